// The evaluation as a regression test: a small seeded stream must keep its quality figures
// above a floor, so a change that breaks detection fails here and not only in the docs.
#include <catch2/catch.hpp>

#include "case_stream_generator.hpp"
#include "detection_evaluation.hpp"

namespace cxloop::analytics::eval {

TEST_CASE("The default settings find the generated problems and leave the background alone") {
  GeneratorSettings generator;
  generator.seed = 11;
  generator.cases = 6000;
  generator.days = 120;
  const GeneratedStream stream = generate_stream(generator);
  REQUIRE(stream.cases.size() == 6000);
  // Same seed, same stream.
  CHECK(generate_stream(generator).cases[1234].record.body == stream.cases[1234].record.body);

  const EvaluationResult r = evaluate(stream, MatcherSettings{});
  // The figures on this stream are detection F1 1.0 (8 of 8 problems, no duplicate) and
  // linking F1 0.93; the floors leave a little room for harmless changes.
  CHECK(r.detection.recall >= 0.875);
  CHECK(r.detection.f1 >= 0.9);
  CHECK(r.duplicate_proposals <= 1);
  CHECK(r.linking.f1 >= 0.9);
  CHECK(r.false_proposals_background <= 1);
}

}  // namespace cxloop::analytics::eval
