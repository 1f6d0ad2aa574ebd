// Charts drawn as SVG text, and an HTML report that gathers them (issue 10: the diagnostics and
// `ramp study` show their figures without a plotting program, a network or a browser plug-in).
//
//   ramp::chart::LineChart c{.title = "Gradient norm by layer", .x = {"layer"}, .y = {"norm", true}};
//   c.series.push_back({"sigmoid", layers, norms});
//   ramp::chart::Report r("ramp study");
//   r.figure(ramp::chart::svg(c), "Sigmoid's gradient vanishes towards the input.");
//   r.save("study/report.html");        // one file, no external resources: opens offline
//
// Every chart is a plain SVG string with its own size (viewBox), so it can be embedded in HTML or
// written alone. Values that cannot be drawn (NaN, infinities, non-positive on a log axis) break a
// line instead of bending it towards zero.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ramp::chart {

struct Axis {
  std::string label{};
  bool log = false;               // base-10 axis: ticks at decades
  std::optional<double> lo{}, hi{};  // the drawn range; absent: the data's, widened to round ticks
};

// One line (x, y) or one group of bars (y per category; x unused). err, when given, draws
// ±err error bars (one per point).
struct Series {
  std::string name;
  std::vector<double> x{}, y{}, err{};
};

struct LineChart {
  std::string title{};
  Axis x{}, y{};
  std::vector<Series> series{};
  int width = 640, height = 380;
};

struct BarChart {
  std::string title{};
  std::vector<std::string> categories{};  // along x
  Axis y{};
  std::vector<Series> groups{};         // bars side by side within each category
  int width = 640, height = 380;
};

// values[row][column]: one coloured cell each (NaN: grey), rows top to bottom, columns left to right
// at positions `columns` (e.g. steps); a colour bar maps values to colour (log: decades).
struct Heatmap {
  std::string title{};
  std::vector<std::string> rows{};
  std::vector<double> columns{};
  std::string x_label{}, value_label{};
  std::vector<std::vector<double>> values{};
  bool log = false;
  std::optional<double> lo{}, hi{};     // colour range; absent: the finite data's
  int width = 640, height = 380;
};

std::string svg(const LineChart& chart);
std::string svg(const BarChart& chart);
std::string svg(const Heatmap& chart);

// ---- the pieces, public so tests can check them ----
// The rectangle the data is drawn in, in SVG pixels.
struct Frame {
  double left, top, width, height;
};
Frame frame(int width, int height, bool legend);

// An axis range resolved from data: [lo, hi] with hi > lo (positive on a log axis), and its ticks.
struct Scale {
  double lo, hi;
  bool log;
  std::vector<double> ticks;
  double fraction(double v) const;  // 0 at lo, 1 at hi (log: in decades)
};
// The scale for `values` on `axis`: an explicit lo/hi wins; otherwise the finite (log: positive)
// values' range widened to "nice" ticks (steps of 1, 2 or 5 × 10^k; log: whole decades).
Scale scale(const Axis& axis, const std::vector<double>& values);

// A tick label: the shortest of %g-style forms that reads back to v at 4 significant digits.
std::string number(double v);
// Text made safe for XML and HTML (& < > " ').
std::string escape(std::string_view text);
// The i-th colour of the series palette (colour-blind safe, cycling), and the heatmap colour
// of t in [0, 1] (a perceptually ordered dark-blue → yellow ramp).
std::string colour(std::size_t i);
std::string ramp_colour(double t);

// A self-contained HTML page: headings, paragraphs, figures (inline SVG), tables.
class Report {
 public:
  explicit Report(std::string title);
  void heading(std::string_view text);
  void paragraph(std::string_view text);
  void figure(std::string svg, std::string_view caption = {});
  void table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
  // HTML written by ramp itself (a section another Report's pieces produced), inserted as it is.
  void raw(std::string html) { body_ += html; }
  // The body so far (headings, paragraphs, figures, tables), to be saved as a section.
  const std::string& body() const { return body_; }
  std::string html() const;
  void save(const std::string& path) const;  // creates the folder; throws ramp::Error on failure

 private:
  std::string title_;
  std::string body_;
};

}  // namespace ramp::chart
