#!/usr/bin/env bash
# Starts and stops the real mail servers the test suite talks to, all on 127.0.0.1:
#   - smtp_sink.py (aiosmtpd): SMTP for any recipient, delivering into one Maildir per
#     recipient address; a plain port and a STARTTLS+AUTH port;
#   - Dovecot with its own configuration: POP3, POP3S, IMAP and IMAPS over those Maildirs,
#     so a message sent to x@example.test is read over POP3/IMAP as user x@example.test.
# Usage: mail_fixture.sh start|stop DIR
# start writes DIR/env (KEY=value lines) naming the ports, credentials, Maildir root and the
# CA file; stop ends both servers and tolerates servers that are already gone.
set -euo pipefail

# Debian's interpreter, where python3-aiosmtpd lives; a python3 earlier in PATH (pyenv,
# virtualenv) would not see it.
python=/usr/bin/python3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

smtp_user=cxloop-smtp
smtp_password=smtp-secret
mail_user=support@example.test
mail_domain=example.test
mail_password=secret

die() {
  echo "mail_fixture: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}

require_packages() {
  local missing=()
  [[ -x $python ]] || missing+=(python3)
  [[ -x $python ]] && ! "$python" -c 'import aiosmtpd' 2>/dev/null && missing+=(python3-aiosmtpd)
  [[ -x /usr/sbin/dovecot ]] || missing+=(dovecot-core)
  [[ -x /usr/lib/dovecot/pop3 ]] || missing+=(dovecot-pop3d)
  [[ -x /usr/lib/dovecot/imap ]] || missing+=(dovecot-imapd)
  command -v openssl >/dev/null || missing+=(openssl)
  if ((${#missing[@]})); then
    die "missing Debian packages: ${missing[*]} (install them with '.ci/setup --tests' as root, or apt-get install ${missing[*]})"
  fi
}

# The pid in FILE, if that process is still alive and its command line contains PATTERN
# (so a pid reused by an unrelated process is never signalled).
live_pid() {
  local file=$1 pattern=$2 pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$pattern" || return 1
  echo "$pid"
}

# Sends TERM, waits up to 15 s for the process to go, then KILL.
end_process() {
  local pid=$1 name=$2
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  echo "mail_fixture: $name (pid $pid) ignored TERM for 15 s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

stop_servers() {
  local dir=$1 pid runtime
  if pid=$(live_pid "$dir/smtp/smtp.pid" smtp_sink.py); then
    end_process "$pid" "SMTP server"
  fi
  rm -f "$dir/smtp/smtp.pid"
  runtime=""
  [[ -f $dir/runtime_dir ]] && runtime=$(<"$dir/runtime_dir")
  if [[ -n $runtime ]] && pid=$(live_pid "$runtime/dovecot-run/master.pid" "$dir/dovecot/dovecot.conf"); then
    end_process "$pid" "Dovecot"
  fi
  # A runtime directory outside DIR was made by mktemp for this run only.
  if [[ -n $runtime && $runtime != "$dir" && -d $runtime && $(basename "$runtime") == cxloop-mail.* ]]; then
    rm -rf "$runtime"
  fi
  rm -f "$dir/runtime_dir" "$dir/env"
}

# Prints COUNT distinct free loopback ports. Dovecot cannot listen on port 0 and report
# the port, so a port can be taken by someone else before Dovecot binds it: start_dovecot
# retries with fresh ports in that case.
free_ports() {
  "$python" - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# Waits until every PORT accepts a connection; ports listed in GREET must also send a
# greeting line (plain-text protocols). Fails after 30 s.
wait_for_ports() {
  "$python" - "$@" <<'EOF'
import socket, sys, time
greet = set()
ports = []
for arg in sys.argv[1:]:
    kind, port = arg.split(":")
    ports.append(int(port))
    if kind == "greet":
        greet.add(int(port))
deadline = time.monotonic() + 30
for port in ports:
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                if port not in greet or s.recv(512):
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"mail_fixture: nothing answers on 127.0.0.1:{port} after 30 s")
        time.sleep(0.1)
EOF
}

make_certificate() {
  local tls=$1
  mkdir -p "$tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$tls/key.pem" -out "$tls/cert.pem" >"$tls/openssl.log" 2>&1 ||
    die "openssl could not create the test certificate; see $tls/openssl.log"
  chmod 600 "$tls/key.pem"
  chmod 644 "$tls/cert.pem"
}

# Writes Dovecot's configuration for the given ports. Any user of $mail_domain logs in with
# $mail_password (the passwd-file is keyed by domain), so tests can use a mailbox of their own.
write_dovecot_conf() {
  local dir=$1 runtime=$2 pop3=$3 pop3s=$4 imap=$5 imaps=$6
  cat >"$dir/dovecot/dovecot.conf" <<EOF
# Generated by mail_fixture.sh for one test run; not the system's /etc/dovecot.
protocols = pop3 imap
listen = 127.0.0.1
instance_name = cxloop-test-mail
base_dir = $runtime/dovecot-run
state_dir = $runtime/dovecot-state
log_path = $dir/dovecot/dovecot.log
default_internal_user = $internal_user
default_internal_group = $internal_group
default_login_user = $login_user
first_valid_uid = $mail_uid
first_valid_gid = $mail_gid
mail_location = maildir:$runtime/maildirs/%u
ssl = yes
ssl_cert = <$dir/tls/cert.pem
ssl_key = <$dir/tls/key.pem
auth_mechanisms = plain login
# Tests log in over the plain ports too (and STLS/STARTTLS is offered there).
disable_plaintext_auth = no
auth_username_format = %Lu
auth_verbose = yes
# Tests try wrong passwords on purpose; the delays that slow down password guessing (2 s per
# failure, and a penalty growing to 15 s per client address, kept by anvil) would only slow
# the suite down. An unreachable penalty socket is Dovecot's documented way to turn it off.
auth_failure_delay = 0
pop3_uidl_format = %08Xu%08Xv
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%d $runtime/dovecot-passwd
}
userdb {
  driver = static
  args = uid=$mail_uid gid=$mail_gid home=$runtime/home/%u allow_all_users=yes
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service pop3-login {
  chroot =
  inet_listener pop3 {
    port = $pop3
  }
  inet_listener pop3s {
    port = $pop3s
    ssl = yes
  }
}
service imap-login {
  chroot =
  inet_listener imap {
    port = $imap
  }
  inet_listener imaps {
    port = $imaps
    ssl = yes
  }
}
$dovecot_extra
EOF
}

start_dovecot() {
  local dir=$1 runtime=$2 attempt ports
  echo "$mail_domain:{PLAIN}$mail_password" >"$runtime/dovecot-passwd"
  # The auth process reads it as the internal user, which may not reach DIR.
  chgrp "$internal_group" "$runtime/dovecot-passwd"
  chmod 640 "$runtime/dovecot-passwd"
  for attempt in 1 2 3 4 5; do
    read -r dovecot_pop3 dovecot_pop3s dovecot_imap dovecot_imaps <<<"$(free_ports 4)"
    write_dovecot_conf "$dir" "$runtime" "$dovecot_pop3" "$dovecot_pop3s" "$dovecot_imap" "$dovecot_imaps"
    : >"$dir/dovecot/start.log"
    if /usr/sbin/dovecot -c "$dir/dovecot/dovecot.conf" </dev/null >>"$dir/dovecot/start.log" 2>&1; then
      return 0
    fi
    if ! grep -q "Address already in use" "$dir/dovecot/start.log" "$dir/dovecot/dovecot.log" 2>/dev/null; then
      break
    fi
    echo "mail_fixture: a chosen port was taken before Dovecot bound it (attempt $attempt); retrying" >&2
    : >"$dir/dovecot/dovecot.log"
  done
  cat "$dir/dovecot/start.log" "$dir/dovecot/dovecot.log" >&2 2>/dev/null || true
  die "Dovecot did not start; its output is above and in $dir/dovecot/"
}

start_smtp() {
  local dir=$1 runtime=$2 pid
  # setsid and closed standard streams: the server must outlive this script and must not
  # hold CTest's output pipe open.
  setsid "$python" "$here/smtp_sink.py" --maildirs "$runtime/maildirs" \
    --cert "$dir/tls/cert.pem" --key "$dir/tls/key.pem" \
    --user "$smtp_user" --password "$smtp_password" \
    --ports-file "$dir/smtp/ports" --run-as "$run_as" \
    </dev/null >"$dir/smtp/smtp.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/smtp/smtp.pid"
  for _ in $(seq 300); do
    grep -qx ready "$dir/smtp/ports" 2>/dev/null && break
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$dir/smtp/smtp.log" >&2
      die "the SMTP server exited at start; its log is above and in $dir/smtp/smtp.log"
    fi
    sleep 0.1
  done
  grep -qx ready "$dir/smtp/ports" 2>/dev/null || die "the SMTP server did not report its ports within 30 s; see $dir/smtp/smtp.log"
  smtp_plain=$(sed -n 's/^plain=//p' "$dir/smtp/ports")
  smtp_submission=$(sed -n 's/^submission=//p' "$dir/smtp/ports")
}

start_servers() {
  local dir=$1 runtime
  require_packages
  stop_servers "$dir"
  rm -rf "$dir/tls" "$dir/smtp" "$dir/dovecot" "$dir/maildirs" "$dir/home" \
    "$dir/dovecot-run" "$dir/dovecot-state" "$dir/dovecot-passwd"
  mkdir -p "$dir/smtp" "$dir/dovecot"

  # Dovecot refuses to serve mail as root, so when we are root the Maildirs belong to the
  # system's "mail" user, and the SMTP server switches to it after binding its ports.
  if [[ $(id -u) -eq 0 ]]; then
    run_as=mail
    internal_user=dovecot
    login_user=dovenull
    for user in "$run_as" "$internal_user" "$login_user"; do
      id "$user" >/dev/null 2>&1 || die "system user '$user' is missing (reinstall dovecot-core and base-passwd)"
    done
    internal_group=$(id -gn "$internal_user")
    dovecot_extra=""
  else
    run_as=""
    internal_user=$(id -un)
    internal_group=$(id -gn)
    login_user=$internal_user
    # Without root nothing can switch users: every Dovecot process runs as the caller.
    dovecot_extra=$'service auth {\n  user = $default_internal_user\n}\nservice auth-worker {\n  user = $default_internal_user\n}\nservice anvil {\n  chroot =\n}\nservice imap-urlauth-login {\n  chroot =\n}'
  fi
  mail_uid=$(id -u "${run_as:-$(id -un)}")
  mail_gid=$(id -g "${run_as:-$(id -un)}")

  # Maildirs and Dovecot's sockets live in DIR unless the mail user cannot reach DIR (a
  # build tree under /root) or DIR is too long for Unix socket paths; then in a fresh
  # directory under /tmp.
  runtime=$dir
  if ((${#dir} > 60)) || { [[ -n $run_as ]] && ! runuser -u "$run_as" -- test -x "$dir"; }; then
    runtime=$(mktemp -d "${TMPDIR:-/tmp}/cxloop-mail.XXXXXX")
    chmod 755 "$runtime"
  fi
  echo "$runtime" >"$dir/runtime_dir"
  mkdir -p "$runtime/maildirs" "$runtime/home" "$runtime/dovecot-run" "$runtime/dovecot-state"
  if [[ -n $run_as ]]; then
    chown "$run_as:$(id -gn "$run_as")" "$runtime/maildirs" "$runtime/home"
  fi

  # Anything that fails from here on (die exits) leaves no server behind.
  trap 'stop_servers "$dir"' EXIT
  make_certificate "$dir/tls"
  start_smtp "$dir" "$runtime"
  start_dovecot "$dir" "$runtime"
  wait_for_ports "greet:$smtp_plain" "greet:$smtp_submission" "greet:$dovecot_pop3" \
    "tls:$dovecot_pop3s" "greet:$dovecot_imap" "tls:$dovecot_imaps"
  trap - EXIT

  cat >"$dir/env.partial" <<EOF
CXLOOP_TEST_SMTP_HOST=127.0.0.1
CXLOOP_TEST_SMTP_PORT=$smtp_plain
CXLOOP_TEST_SMTP_TLS_PORT=$smtp_submission
CXLOOP_TEST_SMTP_USER=$smtp_user
CXLOOP_TEST_SMTP_PASSWORD=$smtp_password
CXLOOP_TEST_POP3_PORT=$dovecot_pop3
CXLOOP_TEST_POP3S_PORT=$dovecot_pop3s
CXLOOP_TEST_IMAP_PORT=$dovecot_imap
CXLOOP_TEST_IMAPS_PORT=$dovecot_imaps
CXLOOP_TEST_MAIL_DOMAIN=$mail_domain
CXLOOP_TEST_MAIL_USER=$mail_user
CXLOOP_TEST_MAIL_PASSWORD=$mail_password
CXLOOP_TEST_MAILDIRS=$runtime/maildirs
CXLOOP_TEST_MAIL_CA=$dir/tls/cert.pem
EOF
  mv "$dir/env.partial" "$dir/env"
  echo "mail_fixture: SMTP 127.0.0.1:$smtp_plain (STARTTLS+AUTH :$smtp_submission)," \
    "POP3 :$dovecot_pop3 (POP3S :$dovecot_pop3s), IMAP :$dovecot_imap (IMAPS :$dovecot_imaps);" \
    "settings in $dir/env"
}

[[ $# -eq 2 ]] || usage
case $1 in
  start)
    mkdir -p "$2"
    start_servers "$(cd "$2" && pwd)"
    ;;
  stop)
    if [[ -d $2 ]]; then
      stop_servers "$(cd "$2" && pwd)"
    fi
    echo "mail_fixture: no mail servers of $2 are running any more"
    ;;
  *) usage ;;
esac
