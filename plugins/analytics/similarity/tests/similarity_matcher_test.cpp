// The matcher on small hand-made streams: what it groups, what it keeps apart, and how its
// settings and an agent's dismissals change what it proposes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "similarity_matcher.hpp"
#include "text_normalizer.hpp"

namespace cxloop::analytics {
namespace {

constexpr std::int64_t kStart = 1767225600;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;

struct Stream {
  SimilarityMatcher matcher;
  std::int64_t next_id = 1;
  std::vector<ClusterProposal> proposals;
  std::vector<ProblemMatch> problem_matches;
  std::vector<ClusterLink> cluster_links;

  explicit Stream(MatcherSettings settings = {}) : matcher(settings) {}

  // Adds a live case; returns its id.
  std::int64_t add(std::int64_t at, const std::string& customer, const std::string& channel,
                   const std::string& subject, const std::string& body, const std::string& sku = "",
                   const std::string& batch = "") {
    CaseRecord record{next_id++, at, channel, customer, sku, batch, "", subject, body};
    MatchOutcome outcome = matcher.add_case(record);
    if (outcome.proposal) proposals.push_back(*outcome.proposal);
    if (outcome.problem) problem_matches.push_back(*outcome.problem);
    if (outcome.cluster_link) cluster_links.push_back(*outcome.cluster_link);
    return record.id;
  }
};

const std::vector<std::string> kLeaks = {
    "The kettle leaks water from the base",
    "kettle leaking water from the base, puddle on the counter",
    "My kettle leaks from the base every time",
    "water leaks out of the kettle base",
    "kettel is leaking water from the base",
    "leaking kettle: water from the base"};

const std::vector<std::string> kUnrelated = {
    "Where is my order? I ordered the headphones last week",
    "please send me a copy of the invoice for my company",
    "how do I pair the smartwatch with my phone",
    "I forgot my password and the reset link expired",
    "can I pay by instalments for the washing machine",
    "is there a shop in Hamburg where I can see the router",
    "please delete my personal data",
    "the discount code does not work at checkout"};

}  // namespace

TEST_CASE("Text is folded, stripped of stop words in four languages and stemmed") {
  CHECK(fold_text("Größe ÉTÉ Çava, naïve!") == "grosse ete cava  naive ");
  std::vector<std::string> stems;
  // Without the fault vocabulary: the words as written, stemmed.
  for (const auto& term :
       normalize_terms("The kettle is LEAKING; die Kanne leaks, il fuit", false)) {
    stems.push_back(term.stem);
  }
  CHECK(stems == std::vector<std::string>{"kettl", "leak", "kann", "leak", "fuit"});
  CHECK(stem_word("batteries") == stem_word("battery"));
  CHECK(stem_word("charging") == stem_word("charger"));
  CHECK(stem_word("e42") == "e42");
  // Version numbers stay whole; a sentence's full stop after a number does not join it.
  CHECK(fold_text("Firmware 2.17. Done") == "firmware 2.17  done");
}

TEST_CASE("Words of the fault vocabulary meet across languages, other words stay as written") {
  auto stems = [](const std::string& text) {
    std::vector<std::string> out;
    for (const auto& term : normalize_terms(text)) out.push_back(term.stem);
    return out;
  };
  // English, German, French and Spanish for "the kettle leaks, battery empty".
  const auto english = stems("kettle leaking, battery empty");
  CHECK(english == std::vector<std::string>{"=kettle", "=leak", "=battery", "=empty"});
  CHECK(stems("Wasserkocher undicht, Akku leer") == english);
  CHECK(stems("bouilloire fuite, batterie vide") == english);
  CHECK(stems("hervidor fuga, bateria vacia") == english);
  // Inflections follow the listed word; words outside the vocabulary keep their stem.
  CHECK(stems("Batteries") == std::vector<std::string>{"=battery"});
  CHECK(stems("Kanne") == std::vector<std::string>{"kann"});
  // The surface form is kept for the character trigrams.
  CHECK(normalize_terms("Akku").front().folded == "akku");
}

TEST_CASE("Character trigrams keep a misspelt case close to the words it misspells") {
  auto typo_score = [](double word_weight) {
    IndexSettings settings;
    settings.word_weight = word_weight;
    CaseIndex index(settings);
    index.add(
        {1, kStart, "web", "a", "", "", "", "Charger overheats", "the charger gets very hot"});
    index.add({2, kStart, "sms", "b", "", "", "", "", "chargr overheets, gets very hott"});
    index.add({3, kStart, "web", "c", "", "", "", "Invoice", "please send the invoice again"});
    CHECK(index.score(0, 2) < 0.05);
    return index.score(0, 1);
  };
  const double words_only = typo_score(1.0);
  const double with_trigrams = typo_score(0.5);
  CHECK(words_only < 0.2);
  CHECK(with_trigrams > 0.3);
}

TEST_CASE("Similar cases from different customers and channels are proposed as one problem") {
  Stream s;
  std::vector<std::int64_t> leaks;
  const std::vector<std::string> channels = {"email", "sms", "chat", "web", "email", "sms"};
  for (std::size_t i = 0; i < kUnrelated.size(); ++i) {
    s.add(kStart + static_cast<std::int64_t>(i) * kHour, "bg" + std::to_string(i), "email",
          "Question", kUnrelated[i]);
  }
  for (std::size_t i = 0; i < kLeaks.size(); ++i) {
    leaks.push_back(s.add(kStart + kDay + static_cast<std::int64_t>(i) * kHour,
                          "customer" + std::to_string(i), channels[i], "", kLeaks[i],
                          i % 3 == 0 ? "KT-200" : ""));
  }
  REQUIRE_FALSE(s.proposals.empty());
  const ClusterProposal& p = s.proposals.back();
  // Proposed when the fifth alike case arrived, and updated by the sixth.
  CHECK(s.proposals.front().case_ids.size() == 5);
  CHECK(p.case_ids == leaks);
  CHECK(p.signature == "cases:" + std::to_string(leaks.front()));
  CHECK(p.customers == 6);
  CHECK(p.channels.size() == 4);
  CHECK(p.skus == std::vector<std::string>{"KT-200"});
  CHECK(std::find(p.shared_terms.begin(), p.shared_terms.end(), "kettle") != p.shared_terms.end());
  CHECK(p.title.find("KT-200") == std::string::npos);  // only a third of the cases name it
  for (const auto& [id, score] : p.scores) CHECK(score > 0.2);
}

TEST_CASE("Unrelated contacts are not merged into a proposal") {
  Stream s;
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < kUnrelated.size(); ++i) {
      s.add(kStart + static_cast<std::int64_t>(round * 10 + i) * kHour,
            "c" + std::to_string(round) + "-" + std::to_string(i), "email", "Hello",
            kUnrelated[(i + static_cast<std::size_t>(round)) % kUnrelated.size()]);
    }
  }
  // Three of each topic: below min_cases, so nothing is proposed.
  CHECK(s.proposals.empty());
}

TEST_CASE("The same complaint about two different products forms two clusters") {
  MatcherSettings settings;
  settings.min_cases = 3;
  Stream s(settings);
  for (int i = 0; i < 3; ++i) {
    s.add(kStart + i * kHour, "a" + std::to_string(i), "web", "Dead",
          "the device does not turn on anymore", "PH-10");
    s.add(kStart + i * kHour + 60, "b" + std::to_string(i), "web", "Dead",
          "the device does not turn on anymore", "TB-8");
  }
  REQUIRE(s.proposals.size() == 2);
  CHECK(s.proposals[0].skus != s.proposals[1].skus);
  CHECK(s.proposals[0].case_ids.size() == 3);
  CHECK(s.proposals[1].case_ids.size() == 3);
}

TEST_CASE("One customer writing five times is not a problem until others write too") {
  Stream s;
  for (int i = 0; i < 5; ++i) {
    s.add(kStart + i * kHour, "same-customer", "email", "", kLeaks[static_cast<std::size_t>(i)]);
  }
  CHECK(s.proposals.empty());
  s.add(kStart + 6 * kHour, "second", "chat", "", kLeaks[5]);
  CHECK(s.proposals.empty());  // two customers; min_customers is 3
  s.add(kStart + 7 * kHour, "third", "sms", "", kLeaks[0]);
  CHECK(s.proposals.size() == 1);
}

TEST_CASE("Cases further apart than the window do not add up") {
  Stream s;  // window 14 days
  for (std::size_t i = 0; i < kLeaks.size(); ++i) {
    s.add(kStart + static_cast<std::int64_t>(i) * 20 * kDay, "c" + std::to_string(i), "email", "",
          kLeaks[i]);
  }
  CHECK(s.proposals.empty());
}

TEST_CASE("min_cases and the similarity threshold come from the settings") {
  MatcherSettings eight;
  eight.min_cases = 8;
  Stream late(eight);
  for (int i = 0; i < 7; ++i) {
    late.add(kStart + i * kHour, "c" + std::to_string(i), "email", "",
             kLeaks[static_cast<std::size_t>(i % 6)]);
  }
  CHECK(late.proposals.empty());
  late.add(kStart + 8 * kHour, "c8", "email", "", kLeaks[2]);
  CHECK(late.proposals.size() == 1);

  MatcherSettings strict;
  strict.similarity_threshold = 0.99;
  Stream none(strict);
  for (std::size_t i = 0; i < kLeaks.size(); ++i) {
    none.add(kStart + static_cast<std::int64_t>(i) * kHour, "c" + std::to_string(i), "email", "",
             kLeaks[i]);
  }
  CHECK(none.proposals.empty());
}

TEST_CASE("A dismissed cluster is not proposed again as it grows") {
  Stream s;
  for (int i = 0; i < 5; ++i) {
    s.add(kStart + i * kHour, "c" + std::to_string(i), "email", "",
          kLeaks[static_cast<std::size_t>(i)]);
  }
  REQUIRE(s.proposals.size() == 1);
  s.matcher.dismiss(s.proposals.front().signature);
  for (int i = 5; i < 12; ++i) {
    s.add(kStart + i * kHour, "c" + std::to_string(i), "email", "",
          kLeaks[static_cast<std::size_t>(i % 6)]);
  }
  CHECK(s.proposals.size() == 1);
}

TEST_CASE("A signature dismissed before a restart is respected when the cluster re-forms") {
  Stream s;
  s.matcher.dismiss("cases:1");  // as the kernel answers for a dismissed signature
  for (int i = 0; i < 8; ++i) {
    s.add(kStart + i * kHour, "c" + std::to_string(i), "email", "",
          kLeaks[static_cast<std::size_t>(i % 6)]);
  }
  CHECK(s.proposals.empty());
}

TEST_CASE("A new case like a known problem's cases is matched to it and not clustered") {
  Stream s;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(s.add(kStart + i * kHour, "c" + std::to_string(i), "email", "",
                        kLeaks[static_cast<std::size_t>(i)], "KT-200"));
  }
  REQUIRE(s.proposals.size() == 1);
  s.matcher.set_problem(77, {"KT-200"}, {}, true);
  for (std::int64_t id : ids) s.matcher.link_case(77, id);
  const auto unrelated = s.add(kStart + 6 * kHour, "x", "email", "", kUnrelated[0]);
  (void)unrelated;
  CHECK(s.problem_matches.empty());
  s.add(kStart + 7 * kHour, "late", "sms", "", "kettle leaking from the base again", "KT-200");
  REQUIRE(s.problem_matches.size() == 1);
  CHECK(s.problem_matches[0].problem_id == 77);
  CHECK(s.problem_matches[0].score >= 0.45);
  CHECK(s.proposals.size() == 1);

  // A closed problem attracts no new cases.
  s.matcher.set_problem(77, {"KT-200"}, {}, false);
  s.add(kStart + 8 * kHour, "later", "sms", "", "kettle leaking from the base", "KT-200");
  CHECK(s.problem_matches.size() == 1);
}

TEST_CASE("A steady everyday topic is not proposed, a burst of a new fault is") {
  Stream s;
  const std::vector<std::string> steady = {"where is my order, I ordered a few days ago",
                                           "when will my order ship, no news yet",
                                           "can you give me an update on my order delivery"};
  std::int64_t at = kStart;
  // Six weeks of history, read at start-up: about two such questions a day.
  for (int i = 0; i < 84; ++i, at += 12 * kHour) {
    s.matcher.add_history({s.next_id++, at, "email", "h" + std::to_string(i), "", "", "", "",
                           steady[static_cast<std::size_t>(i % 3)]});
  }
  CHECK(s.matcher.ready_clusters(at).empty());
  // Two more weeks live, same rate: nothing.
  for (int i = 0; i < 28; ++i, at += 12 * kHour) {
    s.add(at, "l" + std::to_string(i), "email", "", steady[static_cast<std::size_t>(i % 3)]);
  }
  CHECK(s.proposals.empty());
  // A depot stops shipping: eight contacts in a day.
  for (int i = 0; i < 8; ++i, at += 2 * kHour) {
    s.add(at, "d" + std::to_string(i), "email", "",
          "my order is stuck at the Leipzig depot, tracking has not moved");
  }
  REQUIRE(s.proposals.size() >= 1);
  CHECK(std::find(s.proposals.back().shared_terms.begin(), s.proposals.back().shared_terms.end(),
                  "leipzig") != s.proposals.back().shared_terms.end());
}

TEST_CASE("A Spanish report of an open problem's fault on its product and batch matches it") {
  MatcherSettings settings;
  settings.min_cases = 3;
  settings.min_customers = 2;
  Stream s(settings);
  std::vector<std::int64_t> english;
  for (int i = 0; i < 3; ++i) {
    english.push_back(s.add(kStart + i * kHour, "e" + std::to_string(i), "web", "Leaking",
                            "kettle leaks water from the base", "KT-200", "B2411"));
  }
  REQUIRE(s.proposals.size() == 1);
  s.matcher.set_problem(5, {"KT-200"}, {"B2411"}, true);
  for (std::int64_t id : english) s.matcher.link_case(5, id);
  // The same fault in Spanish: only "base" in common as written, but the fault vocabulary's
  // concepts (hervidor/kettle, fuga/leak, agua/water) and the product and batch agree.
  for (int i = 0; i < 3; ++i) {
    s.add(kStart + (5 + i) * kHour, "s" + std::to_string(i), "email", "",
          "el hervidor tiene una fuga de agua en la base", "KT-200", "B2411");
  }
  CHECK(s.proposals.size() == 1);
  REQUIRE(s.problem_matches.size() == 3);
  for (const auto& match : s.problem_matches) CHECK(match.problem_id == 5);
  // Without the vocabulary the words share nothing but "base": a new proposal instead.
  settings.index.concepts = false;
  Stream plain(settings);
  for (int i = 0; i < 3; ++i) {
    plain.add(kStart + i * kHour, "e" + std::to_string(i), "web", "Leaking",
              "kettle leaks water from the base", "KT-200", "B2411");
  }
  plain.matcher.set_problem(5, {"KT-200"}, {"B2411"}, true);
  for (std::int64_t id = 1; id <= 3; ++id) plain.matcher.link_case(5, id);
  for (int i = 0; i < 3; ++i) {
    plain.add(kStart + (5 + i) * kHour, "s" + std::to_string(i), "email", "",
              "el hervidor tiene una fuga de agua en la base", "KT-200", "B2411");
  }
  CHECK(plain.problem_matches.empty());
}

// English reports of a leaking kettle of one batch, accepted as problem 1; the cases are linked.
void accept_english_kettle_leak(Stream& s) {
  const std::vector<std::string> english = {
      "My kettle is leaking water from the bottom",
      "the kettle leaks from underneath, there is water on the counter",
      "kettle leaking at the base after filling it", "water drips from the bottom of the kettle",
      "Kettle leaks water everywhere when I fill it"};
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < english.size(); ++i) {
    const bool form = i % 2 == 0;  // the web form carries product and batch; chat does not
    ids.push_back(s.add(kStart + static_cast<std::int64_t>(i) * kHour, "en" + std::to_string(i),
                        form ? "web" : "chat", form ? "Kettle leaking" : "", english[i],
                        form ? "KT-200" : "", form ? "B2411" : ""));
  }
  REQUIRE(s.proposals.size() == 1);
  s.matcher.set_problem(1, s.proposals.back().skus, s.proposals.back().batches, true);
  for (std::int64_t id : ids) s.matcher.link_case(1, id);
}

TEST_CASE("German reports of an accepted English problem become links to it, not a new problem") {
  Stream s;
  accept_english_kettle_leak(s);
  // The same fault in German, by SMS and chat: no product, no batch, no English word.
  const std::vector<std::string> german = {
      "Wasserkocher undicht, Wasser tropft unten heraus",
      "mein wasserkocher ist undicht und tropft unten",
      "Der Wasserkocher ist undicht, unten tropft Wasser",
      "wasserkocher tropft unten, ist undicht",
      "Wasserkocher undicht - Wasser tropft unten raus",
      "unser Wasserkocher ist undicht, es tropft unten Wasser"};
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < german.size(); ++i) {
    ids.push_back(s.add(kStart + kDay + static_cast<std::int64_t>(i) * kHour,
                        "de" + std::to_string(i), i % 2 == 0 ? "sms" : "chat", "", german[i]));
  }
  CHECK(s.proposals.size() == 1);  // still only the English one
  // Each German case is tied to problem 1, one by one or as a cluster.
  std::set<std::int64_t> tied;
  for (const auto& match : s.problem_matches) CHECK(match.problem_id == 1);
  for (const auto& link : s.cluster_links) {
    CHECK(link.problem_id == 1);
    tied.insert(link.cluster.case_ids.begin(), link.cluster.case_ids.end());
  }
  CHECK(s.problem_matches.size() + tied.size() >= 5);
  CHECK_FALSE(s.cluster_links.empty());
}

TEST_CASE("After a restart, a history cluster alike an active problem is linked, not proposed") {
  // The English problem's cases come back linked to it, then German reports of the same
  // fault that arrived while the server was down: the start-up pass must see them as the
  // problem's, as the live path does.
  Stream s;
  s.matcher.set_problem(1, {"KT-200"}, {"B2411"}, true);
  const std::vector<std::string> english = {
      "My kettle is leaking water from the bottom",
      "the kettle leaks from underneath, there is water on the counter",
      "kettle leaking at the base after filling it", "water drips from the bottom of the kettle",
      "Kettle leaks water everywhere when I fill it"};
  for (std::size_t i = 0; i < english.size(); ++i) {
    s.matcher.add_history(
        {s.next_id++, kStart + static_cast<std::int64_t>(i) * kHour, "web",
         "en" + std::to_string(i), "KT-200", "B2411", "", "Kettle leaking", english[i]},
        1);
  }
  const std::vector<std::string> german = {
      "Wasserkocher undicht, Wasser tropft unten heraus",
      "mein wasserkocher ist undicht und tropft unten",
      "Der Wasserkocher ist undicht, unten tropft Wasser",
      "wasserkocher tropft unten, ist undicht",
      "Wasserkocher undicht - Wasser tropft unten raus",
      "unser Wasserkocher ist undicht, es tropft unten Wasser"};
  for (std::size_t i = 0; i < german.size(); ++i) {
    s.matcher.add_history({s.next_id++, kStart + kDay + static_cast<std::int64_t>(i) * kHour,
                           i % 2 == 0 ? "sms" : "chat", "de" + std::to_string(i), "", "", "", "",
                           german[i]});
  }
  const auto ready = s.matcher.ready_clusters(kStart + kDay + 7 * kHour);
  REQUIRE_FALSE(ready.empty());
  for (const auto& outcome : ready) {
    CHECK_FALSE(outcome.proposal);
    REQUIRE(outcome.cluster_link);
    CHECK(outcome.cluster_link->problem_id == 1);
  }
  // Judged once: the next pass has nothing left to say about them.
  CHECK(s.matcher.ready_clusters(kStart + kDay + 8 * kHour).empty());
}

TEST_CASE("Contacts about the same product but another matter are not tied to its problem") {
  Stream s;
  accept_english_kettle_leak(s);
  // A burst about the same kettle and batch, but about descaling: the product agrees, the
  // text does not, and a new matter is proposed (or not) on its own.
  const std::vector<std::string> descaling = {
      "How do I descale the kettle? There is limescale inside",
      "what descaler should I use for the kettle, lots of limescale",
      "limescale in the kettle, how do I descale it",
      "Descaling the kettle: vinegar or citric acid?",
      "kettle full of limescale, how to descale",
      "please explain how to descale my kettle"};
  for (std::size_t i = 0; i < descaling.size(); ++i) {
    s.add(kStart + kDay + static_cast<std::int64_t>(i) * kHour, "d" + std::to_string(i), "web",
          "Descaling", descaling[i], "KT-200", "B2411");
  }
  CHECK(s.problem_matches.empty());
  CHECK(s.cluster_links.empty());
}

TEST_CASE("Rebuilding from history then proposes the clusters that are ready") {
  Stream s;
  for (int i = 0; i < 6; ++i) {
    s.matcher.add_history({s.next_id++, kStart + i * kHour, "email", "c" + std::to_string(i), "",
                           "", "", "", kLeaks[static_cast<std::size_t>(i)]});
  }
  CHECK(s.proposals.empty());
  const auto ready = s.matcher.ready_clusters(kStart + 7 * kHour);
  REQUIRE(ready.size() == 1);
  REQUIRE(ready[0].proposal);
  CHECK_FALSE(ready[0].cluster_link);
  CHECK(ready[0].proposal->case_ids.size() == 6);
  // Cases already linked to a problem join its signature instead of a cluster.
  Stream linked;
  linked.matcher.set_problem(9, {}, {}, true);
  for (int i = 0; i < 6; ++i) {
    linked.matcher.add_history(
        {linked.next_id++, kStart + i * kHour, "email", "c" + std::to_string(i), "", "", "", "",
         kLeaks[static_cast<std::size_t>(i)]},
        9);
  }
  CHECK(linked.matcher.ready_clusters(kStart + 7 * kHour).empty());
  linked.add(kStart + 8 * kHour, "new", "chat", "", "kettle leaks water from the base");
  REQUIRE(linked.problem_matches.size() == 1);
  CHECK(linked.problem_matches[0].problem_id == 9);
}

}  // namespace cxloop::analytics
