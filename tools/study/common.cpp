// What the experiments share: their list, progress bars, and writing results and the report.
#include <fstream>
#include <iostream>

#include "ramp/chart.h"
#include "ramp/error.h"
#include "study.h"

namespace ramp::study {

const std::vector<Experiment>& experiments() {
  static const std::vector<Experiment> list = {
      {"activations", "Activations and their derivatives", activations},
      {"gradient-flow", "Gradient flow through a deep MLP at initialisation", gradient_flow},
      {"born-dead", "Narrow deep ReLU nets born dead", born_dead},
      {"dying", "Dying ReLU and its remedies", dying},
      {"variants", "One network, ten activations", variants},
      {"exploding", "Exploding gradients: clipping and schedules", exploding},
  };
  return list;
}

Progress::Progress(const Context& c, std::string label, std::int64_t total)
    : out_(c.progress), label_(std::move(label)), total_(std::max<std::int64_t>(total, 1)),
      start_(std::chrono::steady_clock::now()), last_(start_) {
  draw(false);
}

Progress::~Progress() { draw(true); }

void Progress::tick(std::int64_t n) {
  done_ += n;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ > std::chrono::milliseconds(100) || done_ >= total_) last_ = now, draw(false);
}

void Progress::draw(bool final) {
  if (!out_) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const int width = 30, filled = int(width * std::min<std::int64_t>(done_, total_) / total_);
  char tail[64];
  if (final) std::snprintf(tail, sizeof tail, "  done in %.1fs", elapsed);
  else if (done_ == 0) std::snprintf(tail, sizeof tail, "  ETA --");
  else std::snprintf(tail, sizeof tail, "  ETA %.0fs", elapsed / double(done_) * double(total_ - done_));
  *out_ << '\r' << label_ << " [" << std::string(std::size_t(filled), '#') << std::string(std::size_t(width - filled), '.')
        << "] " << std::min(done_, total_) << '/' << total_ << tail << "   " << (final ? "\n" : "") << std::flush;
}

void save(const Context& c, const Experiment& e, const Result& r) {
  std::filesystem::create_directories(c.out);
  auto write = [](const std::filesystem::path& p, const std::string& text) {
    std::ofstream f(p, std::ios::binary);
    f << text;
    f.close();
    RAMP_CHECK(f.good(), "ramp study: cannot write '", p.string(), "'");
  };
  nlohmann::json data = r.data;
  data["experiment"] = e.name;
  data["conclusion"] = r.conclusion;
  write(c.out / (e.name + ".json"), data.dump(1) + "\n");
  write(c.out / (e.name + ".section.html"), "<h2>" + chart::escape(e.title) + "</h2>\n<p><b>" +
                                                chart::escape(r.conclusion) + "</b></p>\n" + r.html);
  // The report: the sections of every experiment run so far, in the fixed order.
  std::string body;
  for (const auto& x : experiments()) {
    std::ifstream f(c.out / (x.name + ".section.html"), std::ios::binary);
    if (f) body += std::string(std::istreambuf_iterator<char>(f), {});
  }
  chart::Report report("ramp study");
  report.raw(body);
  report.save((c.out / "report.html").string());
}

}  // namespace ramp::study
