#include "mail/pop3_session.hpp"

#include <Poco/Net/DialogSocket.h>
#include <Poco/Net/POP3ClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include "mail/tls_client_context.hpp"

namespace cxloop::plugins::mail {
namespace {

void expect_ok(bool positive, const std::string& what, const std::string& response) {
  if (!positive) throw Pop3Failure(what + ": " + response);
}

// POP3 answers start with "+OK" or "-ERR".
bool positive(const std::string& response) { return response.rfind("+OK", 0) == 0; }

}  // namespace

std::unique_ptr<Poco::Net::POP3ClientSession> open_pop3_session(const Pop3Settings& pop3,
                                                                const TlsSettings& tls) {
  const Poco::Net::SocketAddress address(pop3.host, static_cast<Poco::UInt16>(pop3.port));
  const Poco::Timespan timeout(pop3.timeout_s, 0);
  std::unique_ptr<Poco::Net::POP3ClientSession> session;
  std::string response;
  if (pop3.tls == Pop3Tls::none || pop3.tls == Pop3Tls::implicit) {
    if (pop3.tls == Pop3Tls::none) {
      Poco::Net::StreamSocket socket;
      socket.connect(address, timeout);
      session = std::make_unique<Poco::Net::POP3ClientSession>(socket);
    } else {
      Poco::Net::SecureStreamSocket socket(make_tls_client_context(tls));
      socket.setPeerHostName(pop3.host);
      socket.connect(address, timeout);
      session = std::make_unique<Poco::Net::POP3ClientSession>(socket);
    }
    session->setTimeout(timeout);
    session->login(pop3.username, pop3.password);
    return session;
  }
  // STLS: greeting and STLS on the plain connection, then TLS on the same socket, then the
  // session (which must not expect a second greeting) authenticates with USER/PASS.
  Poco::Net::StreamSocket plain;
  plain.connect(address, timeout);
  plain.setReceiveTimeout(timeout);
  Poco::Net::DialogSocket dialog(plain);
  dialog.receiveMessage(response);
  expect_ok(positive(response), "the POP3 server's greeting", response);
  dialog.sendMessage("STLS");
  dialog.receiveMessage(response);
  expect_ok(positive(response),
            "the POP3 server refused STLS (set pop3.tls to \"implicit\" or \"none\")", response);
  Poco::Net::SecureStreamSocket secure =
      Poco::Net::SecureStreamSocket::attach(dialog, pop3.host, make_tls_client_context(tls));
  session = std::make_unique<Poco::Net::POP3ClientSession>(secure);
  session->setTimeout(timeout);
  expect_ok(session->sendCommand("USER", pop3.username, response), "POP3 USER refused", response);
  expect_ok(session->sendCommand("PASS", pop3.password, response),
            "POP3 login refused (check pop3.username and pop3.password)", response);
  return session;
}

}  // namespace cxloop::plugins::mail
