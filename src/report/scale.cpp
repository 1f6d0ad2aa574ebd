// The parts every chart shares: scales and their ticks, number labels, escaping, colours.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "ramp/chart.h"

namespace ramp::chart {

namespace {

bool drawable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

// Ticks at multiples of a 1-2-5 step near (hi - lo) / 5, the range widened to whole steps when
// `widen` (an automatic range); otherwise only the ticks inside [lo, hi].
Scale linear(double lo, double hi, bool widen) {
  const double raw = (hi - lo) / 5;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * mag;
  for (double m : {1.0, 2.0, 5.0})
    if (m * mag >= raw * (1 - 1e-9)) { step = m * mag; break; }
  double first = std::ceil(lo / step - 1e-9), last = std::floor(hi / step + 1e-9);
  if (widen) {
    first = std::floor(lo / step + 1e-9), last = std::ceil(hi / step - 1e-9);
    lo = first * step, hi = last * step;
  }
  Scale s{lo, hi, false, {}};
  // An integer count (k as a double stops advancing past 2^53); scale() keeps ranges wide enough
  // that there are about five.
  const auto n = std::int64_t(std::min(last - first, 64.0));
  for (std::int64_t i = 0; i <= n; ++i) {
    const double t = (first + double(i)) * step;
    s.ticks.push_back(t == 0 ? 0.0 : t);  // no "-0"
  }
  return s;
}

// Decades; when there are more than ten, every second (third, ...) one.
Scale decades(double lo, double hi, bool widen) {
  double first = std::floor(std::log10(lo) + 1e-9), last = std::ceil(std::log10(hi) - 1e-9);
  if (last <= first) last = first + 1;
  if (widen) lo = std::pow(10.0, first), hi = std::pow(10.0, last);
  const double every = std::ceil((last - first) / 10);
  Scale s{lo, hi, true, {}};
  for (double k = first; k <= last; k += every) {
    const double t = std::pow(10.0, k);
    if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) s.ticks.push_back(t);
  }
  return s;
}

}  // namespace

double Scale::fraction(double v) const {
  if (log) return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
  return (v - lo) / (hi - lo);
}

Scale scale(const Axis& axis, const std::vector<double>& values) {
  double lo = INFINITY, hi = -INFINITY;
  for (double v : values)
    if (drawable(v, axis.log)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (lo > hi) lo = axis.log ? 1 : 0, hi = axis.log ? 10 : 1;  // nothing to draw
  if (axis.lo) lo = *axis.lo;
  if (axis.hi) hi = *axis.hi;
  if (axis.log && !(lo > 0)) lo = hi > 0 ? hi / 10 : 1;
  // One value, a reversed explicit range, or two values a few ulps apart (their ticks would not
  // be representable steps): a range around them. Infinite spans are clamped the same way.
  if (!axis.log && (!(hi > lo) || hi - lo <= 1e-9 * std::max(std::abs(lo), std::abs(hi)) || !std::isfinite(hi - lo))) {
    if (!std::isfinite(hi - lo)) lo = -1e300, hi = 1e300;
    else {
      const double mid = lo / 2 + hi / 2, d = mid == 0 ? 1 : std::abs(mid) / 2;
      lo = mid - d, hi = mid + d;
    }
  }
  if (!(hi > lo)) {  // a reversed explicit log range: a range around it
    if (axis.log) lo /= 10, hi = lo * 100;
    else {
      const double d = lo == 0 ? 1 : std::abs(lo) / 2;
      lo -= d, hi = lo + 2 * d;
    }
  }
  const bool widen = !axis.lo && !axis.hi;
  return axis.log ? decades(lo, hi, widen) : linear(lo, hi, widen);
}

std::string number(double v) {
  if (v == 0) return "0";
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  std::string s = buf;
  // "1e-08" -> "1e-8", "1e+06" -> "1e6"
  if (auto e = s.find('e'); e != std::string::npos) {
    std::string mant = s.substr(0, e), exp = s.substr(e + 1);
    const bool neg = exp[0] == '-';
    exp.erase(0, exp.find_first_not_of("+-0"));
    s = mant + "e" + (neg ? "-" : "") + exp;
  }
  return s;
}

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string colour(std::size_t i) {
  // Okabe & Ito's colour-blind safe palette, its yellow last (faint on white).
  static const char* const kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#E69F00",
                                         "#CC79A7", "#56B4E9", "#000000", "#F0E442"};
  return kPalette[i % std::size(kPalette)];
}

std::string ramp_colour(double t) {
  // viridis at tenths: ordered in lightness, readable in grey and by colour-blind readers.
  static const int kStops[][3] = {{68, 1, 84},    {72, 40, 120},  {62, 73, 137},  {49, 104, 142},
                                  {38, 130, 142}, {31, 158, 137}, {53, 183, 121}, {109, 205, 89},
                                  {180, 222, 44}, {253, 231, 37}};
  constexpr int n = int(std::size(kStops)) - 1;
  t = std::isfinite(t) ? std::clamp(t, 0.0, 1.0) : 0.0;
  const int i = std::min(int(t * n), n - 1);
  const double f = t * n - i;
  char buf[8];
  int rgb[3];
  for (int c = 0; c < 3; ++c) rgb[c] = int(std::lround(kStops[i][c] + f * (kStops[i + 1][c] - kStops[i][c])));
  std::snprintf(buf, sizeof buf, "#%02X%02X%02X", rgb[0], rgb[1], rgb[2]);
  return buf;
}

Frame frame(int width, int height, bool legend) {
  const double left = 64, right = legend ? 160 : 20, top = 36, bottom = 48;
  return {left, top, std::max(10.0, width - left - right), std::max(10.0, height - top - bottom)};
}

}  // namespace ramp::chart
