// The HTML the web channel serves: the embeddable contact form (plain HTML that works without
// JavaScript, every input with a visible label, the honeypot field hidden from people and
// assistive technology) and the pages answering a form post.
#pragma once

#include "html_escape.hpp"

#include <string>
#include <vector>

namespace cxloop::channels::web {

struct Product {
  std::string sku;
  std::string name;
};

struct FormPage {
  std::string title = "Contact customer service";
  std::vector<Product> products;
  std::size_t max_description_bytes = 10000;
};

// The form; it posts to "submissions" next to its own URL. submission_id makes a resent
// form (double click, browser retry) land on the same case; case_number pre-fills the
// follow-up field.
std::string render_form(const FormPage& page, const std::string& submission_id,
                        const std::string& case_number);

// The answer to a form post that was accepted (case_number empty: accepted without a
// reference, as the honeypot answer).
std::string render_thanks(const FormPage& page, const std::string& case_number);

// The answer to a form post that was refused, saying what to fix.
std::string render_refusal(const FormPage& page, const std::string& reason);

using channels::html_escape;

}  // namespace cxloop::channels::web
