-- The words of the generated cases, as data only: the wrk scripts load it with dofile()
-- (case_generator.lua) and tests/bench/queries/bulk_fill.py reads the same file, so cases
-- written straight into a database carry the same texts, with the same frequencies, as cases
-- that arrive through intake. Kept to plain tables of double-quoted strings (joined with ..)
-- without trailing commas, the subset bulk_fill.py parses.
--
-- Each problem: category, product, subject and message text (%d is an order, invoice or
-- batch number), so that similar cases exist across customers and channels (what the
-- analytics side groups into problems).
return {
  first_names = { "Ana", "Ben", "Chloe", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ivo",
    "Jana", "Kofi", "Lena", "Mateo", "Nora", "Omar", "Pia", "Quinn", "Rosa", "Sven", "Tariq" },
  last_names = { "Novak", "Schmidt", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Silva",
    "Kowalski", "Haddad", "Jensen", "Rossi", "Yilmaz", "Byrne", "Costa", "Ivanova", "Weber" },
  channels = { "web", "web", "web", "email", "email", "chat", "sms", "phone" },
  problems = {
    { "shipping", "BLD-500", "Order %d has not arrived",
      "I ordered the blender two weeks ago and the tracking page has said in transit since the"
        .. " first day. The courier says it was never handed over. Order number %d, please send"
        .. " it again or refund me." },
    { "product_quality", "KTL-220", "Kettle KTL-220 leaks from the base (order %d)",
      "After about ten days of use the kettle leaks water from the base onto the counter when it"
        .. " is filled above one litre. It is a safety worry with the power cable so close by."
        .. " Order %d." },
    { "billing", "SUB-PLUS", "Charged twice this month, invoice %d",
      "My card was charged twice for the Plus subscription this month, on the 1st and on the"
        .. " 3rd. The second charge has the same amount and reference as invoice %d. Please"
        .. " refund the duplicate." },
    { "documentation", "VAC-X2", "Manual for VAC-X2 shows the wrong filter (order %d)",
      "The printed manual says to replace filter type F3 but the vacuum only accepts the F4"
        .. " filter; I bought the wrong part because of it. The diagram on page 12 also shows a"
        .. " different model. Order %d." },
    { "product_quality", "HDP-7", "Headphones HDP-7 right side silent (order %d)",
      "The right ear cup stopped producing sound after a week, both over cable and Bluetooth."
        .. " I tried a reset as the website describes and another phone, no change. Bought"
        .. " with order %d." },
    { "shipping", "LMP-40", "Wrong item delivered for order %d",
      "The box for order %d contained a desk lamp in black instead of the white one I chose."
        .. " The packing slip shows white. I need the right colour before the end of the month,"
        .. " please arrange an exchange." }
  }
}
