// Line charts, bar charts and heatmaps as SVG text (see include/ramp/chart.h).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <string>

#include "ramp/chart.h"

namespace ramp::chart {

namespace {

std::string px(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}
std::string attr(const char* name, double v) { return std::string(" ") + name + "=\"" + px(v) + "\""; }

// Decades far from 1 read better as 10 with a raised exponent than as 1e-08.
std::string tick_label(double v, bool log) {
  if (log) {
    const long k = std::lround(std::log10(v));
    if (k < -2 || k > 3) return "10<tspan dy=\"-6\" font-size=\"9\">" + std::to_string(k) + "</tspan>";
  }
  return escape(number(v));
}

void open(std::string& o, int w, int h, const std::string& title) {
  const std::string W = std::to_string(w), H = std::to_string(h);
  o += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + W + " " + H + "\" width=\"" + W +
       "\" height=\"" + H + "\" font-family=\"sans-serif\" font-size=\"12\">";
  o += "<title>" + escape(title) + "</title><rect width=\"" + W + "\" height=\"" + H + "\" fill=\"#fff\"/>";
  o += "<text" + attr("x", w / 2.0) + " y=\"22\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">" +
       escape(title) + "</text>";
}

double y_of(const Frame& f, const Scale& s, double v) { return f.top + f.height * (1 - s.fraction(v)); }
double x_of(const Frame& f, const Scale& s, double v) { return f.left + f.width * s.fraction(v); }

// Horizontal grid lines and labels of the y scale, the y label, and the frame.
void y_axis(std::string& o, const Frame& f, const Scale& s, const std::string& label) {
  for (double t : s.ticks) {
    const double y = y_of(f, s, t);
    o += "<line" + attr("x1", f.left) + attr("x2", f.left + f.width) + attr("y1", y) + attr("y2", y) +
         " stroke=\"#e3e3e3\"/>";
    o += "<text" + attr("x", f.left - 6) + attr("y", y) + " dy=\".32em\" text-anchor=\"end\">" +
         tick_label(t, s.log) + "</text>";
  }
  o += "<text transform=\"translate(14," + px(f.top + f.height / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
       escape(label) + "</text>";
  o += "<rect" + attr("x", f.left) + attr("y", f.top) + attr("width", f.width) + attr("height", f.height) +
       " fill=\"none\" stroke=\"#333\"/>";
}

void x_label(std::string& o, const Frame& f, int height, const std::string& label) {
  o += "<text" + attr("x", f.left + f.width / 2) + attr("y", height - 8.0) + " text-anchor=\"middle\">" +
       escape(label) + "</text>";
}

// Vertical grid lines and labels of a numeric x scale.
void x_axis(std::string& o, const Frame& f, const Scale& s) {
  for (double t : s.ticks) {
    const double x = x_of(f, s, t);
    o += "<line" + attr("x1", x) + attr("x2", x) + attr("y1", f.top) + attr("y2", f.top + f.height) +
         " stroke=\"#e3e3e3\"/>";
    o += "<text" + attr("x", x) + attr("y", f.top + f.height + 16) + " text-anchor=\"middle\">" +
         tick_label(t, s.log) + "</text>";
  }
}

// The average advance of a 12 px sans-serif character, for fitting names without measuring them.
constexpr double kCharWidth = 6.8;

// `text` split at spaces into lines of at most `fit` characters (a longer word keeps its own line).
std::vector<std::string> wrap(const std::string& text, std::size_t fit) {
  std::vector<std::string> lines;
  std::string line, word;
  auto flush_word = [&] {
    if (word.empty()) return;
    if (!line.empty() && line.size() + 1 + word.size() > fit) lines.push_back(line), line.clear();
    line += (line.empty() ? "" : " ") + word;
    word.clear();
  };
  for (char ch : text) ch == ' ' ? flush_word() : word.push_back(ch);
  flush_word();
  if (!line.empty() || lines.empty()) lines.push_back(line);
  return lines;
}

bool named(const std::vector<Series>& series) {
  return std::any_of(series.begin(), series.end(), [](const Series& s) { return !s.name.empty(); });
}

// One entry per series right of the frame: a swatch (a line, or a box for bars) and the name.
void legend(std::string& o, const Frame& f, const std::vector<Series>& series, bool boxes) {
  for (std::size_t i = 0; i < series.size(); ++i) {
    const double x = f.left + f.width + 12, y = f.top + 8 + 18.0 * double(i);
    if (boxes)
      o += "<rect" + attr("x", x) + attr("y", y - 5) + " width=\"16\" height=\"10\" fill=\"" + colour(i) + "\"/>";
    else
      o += "<line" + attr("x1", x) + attr("x2", x + 16) + attr("y1", y) + attr("y2", y) + " stroke=\"" + colour(i) +
           "\" stroke-width=\"2\"/>";
    o += "<text" + attr("x", x + 22) + attr("y", y) + " dy=\".32em\">" + escape(series[i].name) + "</text>";
  }
}

void error_bar(std::string& o, double x, double y_lo, double y_hi, double cap, const std::string& c) {
  o += "<path d=\"M" + px(x) + " " + px(y_lo) + "V" + px(y_hi) + "M" + px(x - cap) + " " + px(y_lo) + "h" +
       px(2 * cap) + "M" + px(x - cap) + " " + px(y_hi) + "h" + px(2 * cap) + "\" stroke=\"" + c + "\"/>";
}

bool drawable(double v, const Scale& s) { return std::isfinite(v) && (!s.log || v > 0); }

// Each chart's clip path needs an id unique within the page that embeds it.
std::string clip_id() {
  static std::atomic<long> next{0};
  return "ramp-clip-" + std::to_string(next++);
}

}  // namespace

std::string svg(const LineChart& c) {
  std::vector<double> xs, ys;
  for (const Series& s : c.series) {
    xs.insert(xs.end(), s.x.begin(), s.x.end());
    for (std::size_t i = 0; i < s.y.size(); ++i) {
      ys.push_back(s.y[i]);
      if (i < s.err.size()) ys.push_back(s.y[i] - s.err[i]), ys.push_back(s.y[i] + s.err[i]);
    }
  }
  const Scale sx = scale(c.x, xs), sy = scale(c.y, ys);
  const Frame f = frame(c.width, c.height, named(c.series));
  std::string o;
  open(o, c.width, c.height, c.title);
  x_axis(o, f, sx);
  y_axis(o, f, sy, c.y.label);
  x_label(o, f, c.height, c.x.label);
  const std::string id = clip_id();
  o += "<clipPath id=\"" + id + "\"><rect" + attr("x", f.left) + attr("y", f.top) + attr("width", f.width) +
       attr("height", f.height) + "/></clipPath><g clip-path=\"url(#" + id + ")\">";
  for (std::size_t k = 0; k < c.series.size(); ++k) {
    const Series& s = c.series[k];
    const std::string col = colour(k);
    const std::size_t n = std::min(s.x.size(), s.y.size());
    std::string d;
    bool pen = false;  // a drawable point precedes: continue the line
    for (std::size_t i = 0; i < n; ++i) {
      if (!drawable(s.x[i], sx) || !drawable(s.y[i], sy)) { pen = false; continue; }
      d += (pen ? "L" : "M") + px(x_of(f, sx, s.x[i])) + " " + px(y_of(f, sy, s.y[i]));
      pen = true;
    }
    o += "<path d=\"" + d + "\" fill=\"none\" stroke=\"" + col + "\" stroke-width=\"2\"/>";
    for (std::size_t i = 0; i < n; ++i) {
      if (!drawable(s.x[i], sx) || !drawable(s.y[i], sy)) continue;
      const double x = x_of(f, sx, s.x[i]), y = y_of(f, sy, s.y[i]);
      if (n <= 60) o += "<circle" + attr("cx", x) + attr("cy", y) + " r=\"2.5\" fill=\"" + col + "\"/>";
      if (i < s.err.size() && drawable(s.y[i] - s.err[i], sy) && drawable(s.y[i] + s.err[i], sy))
        error_bar(o, x, y_of(f, sy, s.y[i] - s.err[i]), y_of(f, sy, s.y[i] + s.err[i]), 3, col);
    }
  }
  o += "</g>";
  if (named(c.series)) legend(o, f, c.series, false);
  return o + "</svg>";
}

std::string svg(const BarChart& c) {
  std::vector<double> ys;
  if (!c.y.log) ys.push_back(0);  // bars grow from 0
  for (const Series& s : c.groups)
    for (std::size_t i = 0; i < s.y.size(); ++i) {
      ys.push_back(s.y[i]);
      if (i < s.err.size()) ys.push_back(s.y[i] - s.err[i]), ys.push_back(s.y[i] + s.err[i]);
    }
  const Scale sy = scale(c.y, ys);
  const Frame f = frame(c.width, c.height, named(c.groups));
  std::string o;
  open(o, c.width, c.height, c.title);
  y_axis(o, f, sy, c.y.label);
  const double n = double(std::max<std::size_t>(c.categories.size(), 1));
  const double band = f.width / n, bar = band * 0.8 / double(std::max<std::size_t>(c.groups.size(), 1));
  const double base = sy.log ? f.top + f.height : std::clamp(y_of(f, sy, 0), f.top, f.top + f.height);
  // A name wider than its band is wrapped at spaces onto two lines; names that need more than two
  // are slanted instead (they would run into the frame's bottom margin).
  const std::size_t fit = std::size_t(std::max(1.0, band / kCharWidth));
  std::vector<std::vector<std::string>> names;
  bool slant = false;
  for (const auto& name : c.categories) names.push_back(wrap(name, fit)), slant |= names.back().size() > 2;
  for (std::size_t i = 0; i < c.categories.size(); ++i) {
    const double x = f.left + band * (double(i) + 0.5), y = f.top + f.height + 16;
    if (slant) {
      o += "<text" + attr("x", x) + attr("y", y) + " text-anchor=\"end\" transform=\"rotate(-30 " + px(x) + " " + px(y) +
           ")\">" + escape(c.categories[i]) + "</text>";
      continue;
    }
    o += "<text" + attr("x", x) + attr("y", y) + " text-anchor=\"middle\">";
    for (std::size_t l = 0; l < names[i].size(); ++l)
      o += "<tspan" + attr("x", x) + (l ? " dy=\"14\"" : "") + ">" + escape(names[i][l]) + "</tspan>";
    o += "</text>";
  }
  for (std::size_t g = 0; g < c.groups.size(); ++g) {
    const Series& s = c.groups[g];
    for (std::size_t i = 0; i < std::min(s.y.size(), c.categories.size()); ++i) {
      if (!drawable(s.y[i], sy)) continue;
      const double x = f.left + band * (double(i) + 0.1) + bar * double(g);
      const double y = std::clamp(y_of(f, sy, s.y[i]), f.top, f.top + f.height);
      o += "<rect" + attr("x", x) + attr("y", std::min(y, base)) + attr("width", bar * 0.92) +
           attr("height", std::abs(base - y)) + " fill=\"" + colour(g) + "\"><title>" +
           escape(s.name.empty() ? c.categories[i] : s.name + ", " + c.categories[i]) + ": " + number(s.y[i]) +
           "</title></rect>";
      if (i < s.err.size() && drawable(s.y[i] - s.err[i], sy) && drawable(s.y[i] + s.err[i], sy))
        error_bar(o, x + bar * 0.46, y_of(f, sy, s.y[i] - s.err[i]), y_of(f, sy, s.y[i] + s.err[i]),
                  std::min(4.0, bar / 4), "#222");
    }
  }
  if (named(c.groups)) legend(o, f, c.groups, true);
  return o + "</svg>";
}

std::string svg(const Heatmap& c) {
  std::vector<double> all;
  std::size_t cols = c.columns.size(), longest = 0;
  for (const auto& row : c.values) all.insert(all.end(), row.begin(), row.end()), cols = std::max(cols, row.size());
  for (const auto& name : c.rows) longest = std::max(longest, name.size());
  const Scale sv = scale({c.value_label, c.log, c.lo, c.hi}, all);
  Frame f = frame(c.width, c.height, false);
  const double left = std::clamp(7.0 * double(longest) + 12, f.left, std::max(f.left, c.width / 3.0));  // row names
  f.width = std::max(10.0, f.width - (left - f.left) - 70), f.left = left;  // and the colour bar
  std::string o;
  open(o, c.width, c.height, c.title);
  const std::size_t rows = c.values.size();
  const double cw = f.width / double(std::max<std::size_t>(cols, 1)), rh = f.height / double(std::max<std::size_t>(rows, 1));
  o += "<g shape-rendering=\"crispEdges\">";
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t k = 0; k < c.values[r].size(); ++k) {
      const double v = c.values[r][k];
      const std::string fill = drawable(v, sv) ? ramp_colour(sv.fraction(v)) : "#ccc";
      o += "<rect" + attr("x", f.left + cw * double(k)) + attr("y", f.top + rh * double(r)) + attr("width", cw + 0.5) +
           attr("height", rh + 0.5) + " fill=\"" + fill + "\"/>";
    }
  o += "</g>";
  for (std::size_t r = 0; r < std::min(rows, c.rows.size()); ++r)
    o += "<text" + attr("x", f.left - 6) + attr("y", f.top + rh * (double(r) + 0.5)) +
         " dy=\".32em\" text-anchor=\"end\">" + escape(c.rows[r]) + "</text>";
  // Column labels: each column's own when there are at most six, else round values of `columns`
  // (their indices when absent), each placed by interpolating between the centres of the cells
  // either side of it.
  std::vector<double> at = c.columns;
  if (at.size() != cols || !std::is_sorted(at.begin(), at.end())) {
    at.resize(cols);
    for (std::size_t k = 0; k < cols; ++k) at[k] = double(k);
  }
  auto label = [&](double pos, double v) {
    o += "<text" + attr("x", f.left + cw * (pos + 0.5)) + attr("y", f.top + f.height + 16) +
         " text-anchor=\"middle\">" + escape(number(v)) + "</text>";
  };
  if (cols <= 6 || at.front() == at.back()) {
    for (std::size_t k = 0; k < cols; ++k) label(double(k), at[k]);
  } else {
    for (double t : scale({"", false, at.front(), at.back()}, {}).ticks) {
      const std::size_t k = std::min<std::size_t>(std::upper_bound(at.begin(), at.end(), t) - at.begin(), cols - 1);
      const double pos = k == 0 ? 0 : double(k - 1) + (t - at[k - 1]) / std::max(at[k] - at[k - 1], 1e-300);
      label(std::clamp(pos, 0.0, double(cols - 1)), t);
    }
  }
  x_label(o, f, c.height, c.x_label);
  // The colour bar: 32 slices from lo (bottom) to hi, with the value scale's ticks.
  const Frame bar{f.left + f.width + 16, f.top, 14, f.height};
  for (int i = 0; i < 32; ++i)
    o += "<rect" + attr("x", bar.left) + attr("y", bar.top + bar.height * (31 - i) / 32) + attr("width", bar.width) +
         attr("height", bar.height / 32 + 0.5) + " fill=\"" + ramp_colour((i + 0.5) / 32) + "\"/>";
  for (double t : sv.ticks)
    o += "<text" + attr("x", bar.left + bar.width + 4) + attr("y", y_of(bar, sv, t)) + " dy=\".32em\">" +
         tick_label(t, sv.log) + "</text>";
  o += "<text transform=\"translate(" + px(c.width - 6.0) + "," + px(f.top + f.height / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">" + escape(c.value_label) + "</text>";
  return o + "</svg>";
}

}  // namespace ramp::chart
