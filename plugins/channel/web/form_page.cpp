#include "form_page.hpp"

namespace cxloop::channels::web {
namespace {

std::string document(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         html_escape(title) +
         "</title>\n<style>\n"
         "body{font-family:system-ui,sans-serif;max-width:36rem;margin:1.5rem auto;padding:0 1rem}"
         "label{display:block;margin-top:1rem;font-weight:600}"
         "input,select,textarea{width:100%;box-sizing:border-box;padding:.4rem;font:inherit}"
         "button{margin-top:1.25rem;padding:.5rem 1.25rem;font:inherit}"
         ".hint{font-weight:400;color:#444}"
         ".trap{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}"
         "\n</style>\n</head>\n<body>\n<main>\n" +
         body + "</main>\n</body>\n</html>\n";
}

}  // namespace

std::string render_form(const FormPage& page, const std::string& submission_id,
                        const std::string& case_number) {
  std::string body = "<h1>" + html_escape(page.title) + "</h1>\n";
  body +=
      "<form method=\"post\" action=\"submissions\" accept-charset=\"utf-8\">\n"
      "<input type=\"hidden\" name=\"submission_id\" value=\"" +
      html_escape(submission_id) +
      "\">\n"
      "<label for=\"name\">Name</label>\n"
      "<input id=\"name\" name=\"name\" type=\"text\" autocomplete=\"name\" maxlength=\"200\">\n"
      "<label for=\"email\">Email <span class=\"hint\">(required, for our reply)</span></label>\n"
      "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required "
      "maxlength=\"300\">\n"
      "<label for=\"phone\">Mobile phone <span class=\"hint\">(optional, with country code)"
      "</span></label>\n"
      "<input id=\"phone\" name=\"phone\" type=\"tel\" autocomplete=\"tel\" "
      "maxlength=\"40\">\n";
  if (!page.products.empty()) {
    body +=
        "<label for=\"product\">Product</label>\n<select id=\"product\" name=\"product\">\n"
        "<option value=\"\">Choose a product (optional)</option>\n";
    for (const auto& product : page.products) {
      body += "<option value=\"" + html_escape(product.sku) + "\">" + html_escape(product.name) +
              "</option>\n";
    }
    body += "</select>\n";
  }
  body +=
      "<label for=\"order_number\">Order number <span class=\"hint\">(if you have one)</span>"
      "</label>\n"
      "<input id=\"order_number\" name=\"order_number\" type=\"text\" maxlength=\"100\">\n"
      "<label for=\"case_number\">Existing case number <span class=\"hint\">(only when following "
      "up, e.g. CS-000123)</span></label>\n"
      "<input id=\"case_number\" name=\"case_number\" type=\"text\" maxlength=\"40\" value=\"" +
      html_escape(case_number) +
      "\">\n"
      "<label for=\"description\">What happened? <span class=\"hint\">(required)</span></label>\n"
      "<textarea id=\"description\" name=\"description\" rows=\"8\" required maxlength=\"" +
      std::to_string(page.max_description_bytes) +
      "\"></textarea>\n"
      // People never see or reach this field; bots that fill every input give themselves away.
      "<div class=\"trap\" aria-hidden=\"true\">\n"
      "<label for=\"website\">Leave this field empty</label>\n"
      "<input id=\"website\" name=\"website\" type=\"text\" tabindex=\"-1\" autocomplete=\"off\">\n"
      "</div>\n"
      "<button type=\"submit\">Send</button>\n</form>\n";
  return document(page.title, body);
}

std::string render_thanks(const FormPage& page, const std::string& case_number) {
  std::string body = "<h1>Thank you</h1>\n<p role=\"status\">We received your message";
  if (!case_number.empty()) {
    body += "; your case number is <strong>" + html_escape(case_number) +
            "</strong>. Quote it when you contact us again";
  }
  body += ". We reply by email.</p>\n";
  return document(page.title, body);
}

std::string render_refusal(const FormPage& page, const std::string& reason) {
  return document(page.title, "<h1>Your message was not sent</h1>\n<p role=\"alert\">" +
                                  html_escape(reason) +
                                  "</p>\n<p>Go back, correct the form and send it again.</p>\n");
}

}  // namespace cxloop::channels::web
