#include "chat_widget.hpp"

#include "html_escape.hpp"

namespace cxloop::plugins::chat {
namespace {

const char* const kPageStart = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>)HTML";

const char* const kPageMiddle = R"HTML(</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; background: #f4f5f7; }
  main { max-width: 32rem; margin: 2rem auto; background: #fff; border-radius: 8px;
         box-shadow: 0 1px 4px rgba(0,0,0,.15); display: flex; flex-direction: column;
         height: 80vh; }
  h1 { font-size: 1.1rem; margin: 0; padding: .8rem 1rem; border-bottom: 1px solid #ddd; }
  #status { font-size: .8rem; color: #666; padding: .3rem 1rem; }
  #log { flex: 1; overflow-y: auto; padding: 1rem; }
  .msg { margin: .4rem 0; padding: .5rem .7rem; border-radius: 6px; max-width: 80%;
         white-space: pre-wrap; }
  .me { background: #dbeafe; margin-left: auto; }
  .agent { background: #eee; }
  .note { color: #a00; font-size: .85rem; }
  form { display: flex; gap: .5rem; padding: .8rem 1rem; border-top: 1px solid #ddd; }
  input, textarea, button { font: inherit; padding: .4rem; }
  #start { flex-direction: column; }
  #say textarea { flex: 1; resize: none; }
</style>
</head>
<body>
<main>
<h1>)HTML";

const char* const kPageEnd = R"HTML(</h1>
<div id="status">Not connected</div>
<div id="log" aria-live="polite"></div>
<form id="start">
  <input id="name" placeholder="Your name" autocomplete="name">
  <input id="email" type="email" placeholder="Your email" autocomplete="email" required>
  <input id="subject" placeholder="What is it about?">
  <button>Start chat</button>
</form>
<form id="say" hidden>
  <textarea id="text" rows="2" placeholder="Type a message" required></textarea>
  <button>Send</button>
</form>
</main>
<script>
(function () {
  "use strict";
  var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/chat/ws";
  var socket = null, token = localStorage.getItem("cxloop-chat-token"), counter = 0;
  var shown = {}, unacked = {}, pinger = null;
  var $ = function (id) { return document.getElementById(id); };

  function line(text, cls) {
    var div = document.createElement("div");
    div.className = "msg " + cls;
    div.textContent = text;
    $("log").appendChild(div);
    $("log").scrollTop = $("log").scrollHeight;
  }
  function status(text) { $("status").textContent = text; }
  function send(frame) { socket.send(JSON.stringify(frame)); }

  function connect(first) {
    socket = new WebSocket(url);
    socket.onopen = function () {
      if (token) send({type: "resume", token: token}); else if (first) send(first);
      pinger = setInterval(function () { send({type: "ping"}); }, 30000);
    };
    socket.onmessage = function (event) {
      var frame = JSON.parse(event.data);
      if (frame.type === "welcome") {
        token = frame.token;
        localStorage.setItem("cxloop-chat-token", token);
        status("Connected — case " + frame.case_number);
        $("start").hidden = true;
        $("say").hidden = false;
        Object.keys(unacked).forEach(function (id) { send(unacked[id]); });
      } else if (frame.type === "reply") {
        if (!shown[frame.message_id]) line(frame.text, "agent");
        shown[frame.message_id] = true;
      } else if (frame.type === "ack") {
        delete unacked[frame.id];
      } else if (frame.type === "error") {
        if (frame.code === "unknown_token") {
          token = null;
          localStorage.removeItem("cxloop-chat-token");
          $("start").hidden = false;
          $("say").hidden = true;
        }
        line(frame.message, "note");
      }
    };
    socket.onclose = function () {
      clearInterval(pinger);
      status("Disconnected — reconnecting…");
      if (token) setTimeout(function () { connect(null); }, 3000);
    };
  }

  $("start").onsubmit = function (event) {
    event.preventDefault();
    connect({type: "hello", name: $("name").value, email: $("email").value,
             subject: $("subject").value});
  };
  $("say").onsubmit = function (event) {
    event.preventDefault();
    var text = $("text").value.trim();
    if (!text) return;
    var frame = {type: "message", id: Date.now() + "-" + (counter++), text: text};
    unacked[frame.id] = frame;
    line(text, "me");
    $("text").value = "";
    if (socket && socket.readyState === WebSocket.OPEN) send(frame);
  };
  if (token) connect(null);
})();
</script>
</body>
</html>
)HTML";

}  // namespace

std::string chat_widget_html(const std::string& title) {
  const std::string heading = channels::html_escape(title);
  return std::string(kPageStart) + heading + kPageMiddle + heading + kPageEnd;
}

}  // namespace cxloop::plugins::chat
