// The `ramp` command: `ramp study [experiment...] [--full] [--out DIR] [--seed N]`.
#include <CLI/CLI.hpp>

#include <iostream>

#include "ramp/tensor.h"
#include "study/study.h"

int main(int argc, char** argv) {
  CLI::App app{"ramp: PyTorch's ReLU system in C++"};
  app.require_subcommand(1);
  auto* study = app.add_subcommand("study", "run the experiments behind the ReLU tutorials' claims");
  std::vector<std::string> names;
  ramp::study::Context c;
  std::string out = "study";
  std::vector<std::string> known;
  for (const auto& e : ramp::study::experiments()) known.push_back(e.name);
  study->add_option("experiments", names, "which to run (default: all)")->check(CLI::IsMember(known));
  study->add_flag("--full", c.full, "the larger versions");
  study->add_option("--out", out, "the folder for <experiment>.json and report.html")->capture_default_str();
  study->add_option("--seed", c.seed, "the random seed")->capture_default_str();
  // One thread by default: the nets are small, and a float sum's order (so every number of the
  // study) would otherwise depend on the machine's cores.
  int threads = 1;
  study->add_option("--threads", threads, "threads for the tensor kernels")->capture_default_str()->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  c.out = out;
  ramp::set_num_threads(threads);
  c.progress = &std::cerr;
  try {
    for (const auto& e : ramp::study::experiments()) {
      if (!names.empty() && std::find(names.begin(), names.end(), e.name) == names.end()) continue;
      const auto r = e.run(c);
      ramp::study::save(c, e, r);
      std::cout << e.name << ": " << r.conclusion << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "ramp study: " << e.what() << "\n";
    return 1;
  }
  std::cout << "report: " << (c.out / "report.html").string() << "\n";
  return 0;
}
