// `ramp study`: experiments that reproduce the ReLU tutorials' claims on ramp itself. Each writes
// <out>/<name>.json and its section of <out>/report.html, and ends with a conclusion computed from
// its own numbers.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ramp::study {

struct Context {
  std::filesystem::path out = "study";
  bool full = false;          // the larger versions (--full)
  std::uint64_t seed = 0;
  std::ostream* progress = nullptr;  // progress bars (stderr), or none
};

struct Result {
  nlohmann::json data;        // written as <out>/<name>.json
  std::string html;           // the report section (charts, tables)
  std::string conclusion;     // computed from `data`
};

struct Experiment {
  std::string name, title;
  std::function<Result(const Context&)> run;
};
// In the order `ramp study` runs them.
const std::vector<Experiment>& experiments();

// One line on the progress stream: "label [#####.....] 12/28  ETA 3s", redrawn at most 10 times
// a second, finished with the elapsed time.
class Progress {
 public:
  Progress(const Context& c, std::string label, std::int64_t total);
  ~Progress();
  void tick(std::int64_t n = 1);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

 private:
  void draw(bool final);
  std::ostream* out_;
  std::string label_;
  std::int64_t total_, done_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
};

// Writes <out>/<name>.json and <out>/<name>.section.html, then rebuilds <out>/report.html from
// every section present, in experiments() order.
void save(const Context& c, const Experiment& e, const Result& r);

// The experiments (one file each).
Result activations(const Context& c);
Result gradient_flow(const Context& c);
Result born_dead(const Context& c);
Result dying(const Context& c);
Result variants(const Context& c);
Result exploding(const Context& c);

}  // namespace ramp::study
