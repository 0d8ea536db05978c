// Access from Catch2 tests to the real mail servers that the "mail" CTest fixture starts
// (tests/support/mail/mail_fixture.sh): their ports and credentials, the Maildirs the SMTP
// server delivers into, and a way to place inbound mail in a mailbox.
//
//   const auto& mail = cxloop::testing::mail_servers();       // throws if the fixture is off
//   const auto inbox = cxloop::testing::unique_mailbox("pop3-poll");  // x@example.test
//   cxloop::testing::send_raw_message(inbox, "Subject: hi\r\n\r\nbody\r\n");
//   auto raw = cxloop::testing::wait_for_messages(inbox, 1);  // bounded poll, raw RFC 5322
//
// Every address at mail.mail_domain is a mailbox: SMTP accepts it, and POP3/IMAP log it in
// with mail.mail_password. Tests use an address of their own (unique_mailbox) so that they
// never see each other's mail. A delivered message is stored exactly as sent in DATA (CRLF
// line ends), preceded by the Return-Path and Delivered-To lines a delivering MTA adds.
#pragma once

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include <Poco/Net/Context.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SSLManager.h>

namespace cxloop::testing {

// What mail_fixture.sh wrote to its env file.
struct MailServers {
  std::string host;
  std::uint16_t smtp_port = 0;      // plain; AUTH optional
  std::uint16_t smtp_tls_port = 0;  // STARTTLS required, then AUTH required
  std::string smtp_user;
  std::string smtp_password;
  std::uint16_t pop3_port = 0;  // plain, STLS offered
  std::uint16_t pop3s_port = 0;
  std::uint16_t imap_port = 0;  // plain, STARTTLS offered
  std::uint16_t imaps_port = 0;
  std::string mail_domain;
  std::string mail_user;  // a ready-made mailbox; prefer unique_mailbox() in tests
  std::string mail_password;
  std::filesystem::path maildirs;  // one Maildir per recipient address below it
  std::filesystem::path ca_file;   // the servers' self-signed certificate, to trust
};

namespace detail {

inline std::map<std::string, std::string> read_mail_env_file() {
  const char* env = std::getenv("CXLOOP_MAIL_ENV");
  const std::string path = env != nullptr ? env : "";
  std::ifstream in(path);
  if (path.empty() || !in)
    throw std::runtime_error(
        "no mail test servers: the env file '" + path +
        "' (named by CXLOOP_MAIL_ENV) is missing. Run the test through ctest and give it "
        "'FIXTURES mail' in cxloop_add_test, so the mail_start fixture starts the servers; if "
        "mail_start fails, its output names the Debian packages to install (.ci/setup --tests).");
  std::map<std::string, std::string> values;
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return values;
}

inline std::string required(const std::map<std::string, std::string>& values,
                            const std::string& key) {
  const auto it = values.find(key);
  if (it == values.end() || it->second.empty())
    throw std::runtime_error("the mail fixture's env file has no " + key +
                             " line; restart it with mail_fixture.sh start");
  return it->second;
}

inline std::uint16_t required_port(const std::map<std::string, std::string>& values,
                                   const std::string& key) {
  const std::string text = required(values, key);
  try {
    return static_cast<std::uint16_t>(std::stoul(text));
  } catch (const std::exception&) {
    throw std::runtime_error("the mail fixture's env file has " + key + "=" + text +
                             ", which is not a port number");
  }
}

inline std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Maildir file names carry flags after ':' and are unique, not ordered; delivery order is
// the modification time (kept when Dovecot moves a message from new/ to cur/).
inline std::vector<std::filesystem::path> maildir_files(const std::filesystem::path& maildir) {
  std::vector<std::pair<std::filesystem::file_time_type, std::filesystem::path>> found;
  for (const char* sub : {"new", "cur"}) {
    std::error_code ec;
    std::filesystem::directory_iterator it(maildir / sub, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      std::error_code time_ec;
      const auto mtime = it->last_write_time(time_ec);
      // A message POP3 deletes between listing and stat is simply no longer delivered.
      if (!time_ec && it->is_regular_file(time_ec)) found.emplace_back(mtime, it->path());
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<std::filesystem::path> files;
  for (auto& entry : found) files.push_back(std::move(entry.second));
  return files;
}

}  // namespace detail

// The running servers; read once from the env file named by CXLOOP_MAIL_ENV. Throws
// std::runtime_error (failing the test) with what to do when the fixture is not running.
inline const MailServers& mail_servers() {
  static const MailServers servers = [] {
    const auto values = detail::read_mail_env_file();
    MailServers s;
    s.host = detail::required(values, "CXLOOP_TEST_SMTP_HOST");
    s.smtp_port = detail::required_port(values, "CXLOOP_TEST_SMTP_PORT");
    s.smtp_tls_port = detail::required_port(values, "CXLOOP_TEST_SMTP_TLS_PORT");
    s.smtp_user = detail::required(values, "CXLOOP_TEST_SMTP_USER");
    s.smtp_password = detail::required(values, "CXLOOP_TEST_SMTP_PASSWORD");
    s.pop3_port = detail::required_port(values, "CXLOOP_TEST_POP3_PORT");
    s.pop3s_port = detail::required_port(values, "CXLOOP_TEST_POP3S_PORT");
    s.imap_port = detail::required_port(values, "CXLOOP_TEST_IMAP_PORT");
    s.imaps_port = detail::required_port(values, "CXLOOP_TEST_IMAPS_PORT");
    s.mail_domain = detail::required(values, "CXLOOP_TEST_MAIL_DOMAIN");
    s.mail_user = detail::required(values, "CXLOOP_TEST_MAIL_USER");
    s.mail_password = detail::required(values, "CXLOOP_TEST_MAIL_PASSWORD");
    s.maildirs = detail::required(values, "CXLOOP_TEST_MAILDIRS");
    s.ca_file = detail::required(values, "CXLOOP_TEST_MAIL_CA");
    return s;
  }();
  return servers;
}

// A fresh address at the test domain, e.g. "pop3-poll-4711-3-81234@example.test": a mailbox
// no other test (or earlier run) uses. label: lowercase letters, digits and '-'.
inline std::string unique_mailbox(const std::string& label) {
  static std::atomic<int> counter{0};
  const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
  return detail::lowercase(label) + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter++) + "-" + std::to_string(ticks % 1000003) + "@" +
         mail_servers().mail_domain;
}

// The Maildir the SMTP server delivers to for this recipient (it may not exist yet).
inline std::filesystem::path maildir_of(const std::string& address) {
  return mail_servers().maildirs / detail::lowercase(address);
}

// The raw messages in the address's mailbox now, oldest first (unread and read ones).
inline std::vector<std::string> delivered_messages(const std::string& address) {
  std::vector<std::string> messages;
  for (const auto& file : detail::maildir_files(maildir_of(address))) {
    std::ifstream in(file, std::ios::binary);
    if (!in) continue;  // deleted over POP3/IMAP since it was listed
    std::ostringstream text;
    text << in.rdbuf();
    messages.push_back(text.str());
  }
  return messages;
}

// Polls the address's mailbox until it holds at least `count` messages and returns them,
// oldest first. Throws when they have not all arrived within `timeout`: the failure says how
// many did.
inline std::vector<std::string> wait_for_messages(
    const std::string& address, std::size_t count,
    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto messages = delivered_messages(address);
    if (messages.size() >= count) return messages;
    if (std::chrono::steady_clock::now() >= deadline)
      throw std::runtime_error("expected " + std::to_string(count) + " message(s) for " + address +
                               " within " + std::to_string(timeout.count()) + " ms, but " +
                               std::to_string(messages.size()) + " arrived in " +
                               maildir_of(address).string());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Places a message in `recipient`'s mailbox the way the outside world would: over SMTP to
// the plain port. raw_message is the RFC 5322 text (headers, blank line, body); it is sent
// as is, with line ends made CRLF and lines starting with '.' escaped by Poco.
inline void send_raw_message(const std::string& recipient, const std::string& raw_message,
                             const std::string& envelope_sender = "sender@example.org") {
  const auto& servers = mail_servers();
  Poco::Net::SMTPClientSession session(servers.host, servers.smtp_port);
  session.login("cxloop-tests");
  session.sendAddresses(envelope_sender, {recipient});
  session.sendData();
  std::istringstream content(raw_message);
  session.sendMessage(content);
  session.close();
}

// A TLS client context that trusts exactly the fixture's certificate and rejects any other
// (no interactive certificate prompt). Initialises Poco's SSL library on first use.
inline Poco::Net::Context::Ptr mail_tls_context() {
  static std::once_flag initialised;
  static Poco::Net::Context::Ptr context;
  std::call_once(initialised, [] {
    Poco::Net::initializeSSL();
    Poco::Net::Context::Params params;
    params.caLocation = mail_servers().ca_file.string();
    params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
    params.loadDefaultCAs = false;
    context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    Poco::Net::SSLManager::instance().initializeClient(
        nullptr, new Poco::Net::RejectCertificateHandler(false), context);
  });
  return context;
}

}  // namespace cxloop::testing
