// The SVG charts and the HTML report: scales and ticks against their definitions, drawn coordinates
// against the frame's arithmetic, and every document well-formed (checked by a small XML reader
// here; tests/report/ renders a whole report in headless Chromium).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "ramp/chart.h"
#include "ramp/error.h"
#include "xml_check.h"

using namespace ramp::chart;
using ramp::test::xml_problem;

namespace {

// The first path's d="..." after `from`.
std::string path_after(const std::string& svg, const std::string& from) {
  const std::size_t at = svg.find("<path d=\"", svg.find(from));
  return svg.substr(at + 9, svg.find('"', at + 9) - at - 9);
}

std::vector<std::pair<double, double>> points(const std::string& d) {
  std::vector<std::pair<double, double>> p;
  std::regex re("[ML]([-0-9.]+) ([-0-9.]+)");
  for (auto it = std::sregex_iterator(d.begin(), d.end(), re); it != std::sregex_iterator(); ++it)
    p.emplace_back(std::stod((*it)[1]), std::stod((*it)[2]));
  return p;
}

bool nice_step(double step) {
  const double m = step / std::pow(10.0, std::floor(std::log10(step) + 1e-12));
  return std::abs(m - 1) < 1e-9 || std::abs(m - 2) < 1e-9 || std::abs(m - 5) < 1e-9;
}

}  // namespace

TEST(Chart, LinearTicksAreRoundAndCoverTheData) {
  for (auto [lo, hi] : std::vector<std::pair<double, double>>{{0.03, 0.97}, {-3.7, 12.2}, {1e-7, 3e-7}, {-1e6, 5e5}}) {
    const Scale s = scale({}, {lo, (lo + hi) / 2, hi});
    ASSERT_GE(s.ticks.size(), 4u);
    ASSERT_LE(s.ticks.size(), 11u);
    const double step = s.ticks[1] - s.ticks[0];
    EXPECT_TRUE(nice_step(step)) << step;
    for (double t : s.ticks) EXPECT_NEAR(t / step, std::round(t / step), 1e-6);
    EXPECT_LE(s.lo, lo);
    EXPECT_GE(s.hi, hi);
    EXPECT_DOUBLE_EQ(s.ticks.front(), s.lo);  // widened to whole steps
    EXPECT_DOUBLE_EQ(s.ticks.back(), s.hi);
  }
  EXPECT_EQ(scale({}, {-3.7, 12.2}).ticks, (std::vector<double>{-5, 0, 5, 10, 15}));
}

TEST(Chart, LogTicksAreDecades) {
  const Scale s = scale({"", true}, {3e-9, 0.5, -1, 0});  // non-positive values cannot be drawn
  EXPECT_DOUBLE_EQ(s.lo, 1e-9);
  EXPECT_DOUBLE_EQ(s.hi, 1);
  ASSERT_EQ(s.ticks.size(), 10u);
  for (std::size_t i = 0; i < s.ticks.size(); ++i) EXPECT_NEAR(std::log10(s.ticks[i]), -9.0 + double(i), 1e-12);
  EXPECT_NEAR(s.fraction(1e-5), 4.0 / 9, 1e-12);
  EXPECT_LE(scale({"", true}, {1e-30, 1e10}).ticks.size(), 11u);  // 40 decades: every fourth
}

TEST(Chart, ExplicitAndDegenerateRanges) {
  const Scale s = scale({"", false, 0.0, 1.0}, {-5, 7});
  EXPECT_EQ(s.lo, 0);
  EXPECT_EQ(s.hi, 1);
  for (double t : s.ticks) EXPECT_TRUE(t >= 0 && t <= 1);
  const Scale none = scale({}, {NAN, INFINITY});
  EXPECT_LT(none.lo, none.hi);
  const Scale one = scale({}, {5, 5});
  EXPECT_TRUE(one.lo < 5 && one.hi > 5);
  const Scale one_log = scale({"", true}, {0.02});
  EXPECT_TRUE(one_log.lo <= 0.02 && one_log.hi > 0.02);
}

// Values an ulp apart (an accuracy that does not move) once made the tick loop spin forever.
TEST(Chart, NearlyEqualAndHugeRangesEnd) {
  for (auto [a, b] : std::vector<std::pair<double, double>>{
           {0.3, 0.1 + 0.2}, {1.0, std::nextafter(1.0, 2.0)}, {100, std::nextafter(100.0, 200.0)}, {-1e308, 1e308}}) {
    const Scale s = scale({}, {a, b});
    if (std::abs(a) < 1e300) {  // a span that overflows is drawn over [-1e300, 1e300]
      EXPECT_LE(s.lo, std::min(a, b));
      EXPECT_GE(s.hi, std::max(a, b));
    }
    EXPECT_GE(s.ticks.size(), 2u);
    EXPECT_LE(s.ticks.size(), 65u);
    for (double t : s.ticks) EXPECT_TRUE(std::isfinite(t));
  }
}

TEST(Chart, NumbersAndEscapes) {
  EXPECT_EQ(number(0.1 + 0.2), "0.3");
  EXPECT_EQ(number(1e-8), "1e-8");
  EXPECT_EQ(number(2e6), "2e6");
  EXPECT_EQ(number(-0.0), "0");
  EXPECT_EQ(number(250), "250");
  EXPECT_EQ(number(-1.5e-5), "-1.5e-5");
  EXPECT_EQ(escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
  EXPECT_EQ(ramp_colour(0), "#440154");
  EXPECT_EQ(ramp_colour(1), "#FDE725");
  EXPECT_EQ(ramp_colour(NAN), ramp_colour(0));
  EXPECT_NE(colour(0), colour(1));
}

TEST(Chart, LinePointsLandWhereTheFrameSays) {
  LineChart c{.title = "t", .x = {"x", false, 0.0, 10.0}, .y = {"y", false, 0.0, 1.0}};
  c.series.push_back({"", {0, 5, 10}, {0, 0.5, 1}});
  const std::string s = svg(c);
  EXPECT_EQ(xml_problem(s), "");
  const Frame f = frame(c.width, c.height, false);
  const auto p = points(path_after(s, "clip-path=\"url"));
  ASSERT_EQ(p.size(), 3u);
  const std::vector<std::pair<double, double>> want{
      {f.left, f.top + f.height}, {f.left + f.width / 2, f.top + f.height / 2}, {f.left + f.width, f.top}};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(p[i].first, want[i].first, 0.051);  // printed to 0.1 px
    EXPECT_NEAR(p[i].second, want[i].second, 0.051);
  }
}

TEST(Chart, LogAxisSpacesDecadesEvenlyAndBreaksAtUndrawable) {
  LineChart c{.title = "gradient norm", .x = {"layer"}, .y = {"norm", true}};
  c.series.push_back({"sigmoid", {0, 1, 2, 3, 4}, {1e-8, 1e-4, 1, NAN, 1e-2}});
  c.series.push_back({"a<b", {0, 1}, {1, 1}});
  const std::string s = svg(c);
  EXPECT_EQ(xml_problem(s), "");
  const std::string d = path_after(s, "clip-path=\"url");
  EXPECT_EQ(std::count(d.begin(), d.end(), 'M'), 2) << d;  // the NaN splits the line
  const auto p = points(d);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_NEAR(p[0].second - p[1].second, p[1].second - p[2].second, 0.11);  // equal steps per 4 decades
  EXPECT_GT(p[0].second - p[1].second, 20);
  EXPECT_NE(s.find("a&lt;b"), std::string::npos);                // legend, escaped
  EXPECT_NE(s.find("10<tspan dy=\"-6\" font-size=\"9\">-8</tspan>"), std::string::npos);  // 10⁻⁸ tick
}

TEST(Chart, BarsGrowFromZeroWithErrorBars) {
  BarChart c{.title = "accuracy", .categories = {"relu", "tanh"}, .y = {"%", false, 0.0, 10.0}};
  c.groups.push_back({"mean", {}, {2, 8}, {1, 0.5}});
  const std::string s = svg(c);
  EXPECT_EQ(xml_problem(s), "");
  const Frame f = frame(c.width, c.height, true);
  std::regex re("<rect x=\"[-0-9.]+\" y=\"([-0-9.]+)\" width=\"[-0-9.]+\" height=\"([-0-9.]+)\" fill=\"#0072B2\"");
  std::vector<double> heights, tops;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), re); it != std::sregex_iterator(); ++it)
    tops.push_back(std::stod((*it)[1])), heights.push_back(std::stod((*it)[2]));
  ASSERT_EQ(heights.size(), 3u);  // two bars and the legend swatch
  EXPECT_NEAR(heights[0], f.height * 0.2, 0.051);
  EXPECT_NEAR(heights[1], f.height * 0.8, 0.051);
  EXPECT_NEAR(tops[1] + heights[1], f.top + f.height, 0.11);  // standing on 0
  EXPECT_EQ(std::count(s.begin(), s.end(), 'V'), 2);       // one error bar each ("M x y V y2 ...")
}

// Names wider than their band wrap at spaces onto two lines, each no wider than the band (at 6.8 px
// a character); names that would need three lines slant instead.
TEST(Chart, LongBarNamesWrapOrSlant) {
  BarChart c{.title = "t", .categories = {"ReLU, rate 0.01", "LeakyReLU", "PReLU", "ELU", "ReLU + BatchNorm",
                                          "ReLU, rate 0.001", "ReLU, He init"}};
  c.groups.push_back({"", {}, {1, 2, 3, 4, 5, 6, 7}});
  std::string s = svg(c);
  EXPECT_EQ(xml_problem(s), "");
  EXPECT_EQ(s.find("rotate(-30"), std::string::npos);
  const double band = frame(c.width, c.height, false).width / 7;
  std::regex text("<text[^>]*>((<tspan[^>]*>[^<]*</tspan>)+)</text>"), span("<tspan[^>]*>([^<]*)</tspan>");
  std::vector<std::string> joined;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), text); it != std::sregex_iterator(); ++it) {
    const std::string inner = (*it)[1];
    std::string all;
    int lines = 0;
    for (auto jt = std::sregex_iterator(inner.begin(), inner.end(), span); jt != std::sregex_iterator(); ++jt, ++lines) {
      const std::string line = (*jt)[1];
      EXPECT_LE(double(line.size()) * 6.8, band) << line;
      all += (all.empty() ? "" : " ") + line;
    }
    EXPECT_LE(lines, 2);
    joined.push_back(all);
  }
  EXPECT_EQ(joined, c.categories);
  c.categories[0] = "a very long name that needs more than two lines of its band";
  s = svg(c);
  EXPECT_EQ(xml_problem(s), "");
  EXPECT_NE(s.find("rotate(-30"), std::string::npos);
}

TEST(Chart, HeatmapCellsTakeTheirColours) {
  Heatmap h{.title = "dead units", .rows = {"relu1", "relu2"}, .columns = {0, 100}, .x_label = "step",
            .value_label = "fraction", .values = {{0, 1}, {NAN, 0.5}}, .lo = 0.0, .hi = 1.0};
  const std::string s = svg(h);
  EXPECT_EQ(xml_problem(s), "");
  std::regex re("<rect [^>]*height=\"[-0-9.]+\" fill=\"(#[0-9A-Fa-f]+)\"/>");
  std::vector<std::string> fills;
  const std::string cells = s.substr(s.find("crispEdges"), s.find("</g>") - s.find("crispEdges"));
  for (auto it = std::sregex_iterator(cells.begin(), cells.end(), re); it != std::sregex_iterator(); ++it)
    fills.push_back((*it)[1]);
  EXPECT_EQ(fills, (std::vector<std::string>{ramp_colour(0), ramp_colour(1), "#ccc", ramp_colour(0.5)}));
}

// One or two columns (a report after one epoch): each labelled once with its own value; a narrow
// heatmap still has a positive width.
TEST(Chart, FewColumnHeatmapsAndNarrowOnes) {
  Heatmap h{.title = "dead", .rows = {"a"}, .columns = {0}, .values = {{0.5}}};
  std::string s = svg(h);
  EXPECT_EQ(xml_problem(s), "");
  std::regex label("text-anchor=\"middle\">([^<]*)</text>");
  std::vector<std::string> labels;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), label); it != std::sregex_iterator(); ++it) labels.push_back((*it)[1]);
  EXPECT_EQ(std::count(labels.begin(), labels.end(), "0"), 1) << s;
  EXPECT_EQ(std::count(labels.begin(), labels.end(), "0.5"), 0) << s;
  h.width = 120;
  s = svg(h);
  EXPECT_EQ(s.find("width=\"-"), std::string::npos);
}

TEST(Chart, ReportIsOneWellFormedPage) {
  Report r("study <quick>");
  r.heading("Gradient flow");
  r.paragraph("ratio & more");
  LineChart c{.title = "t"};
  c.series.push_back({"s", {1, 2}, {3, 4}});
  r.figure(svg(c), "caption");
  r.figure(svg(c));  // a second chart: its clip path id must differ
  r.table({"layer", "dead"}, {{"relu1", "0.5"}});
  const std::string html = r.html();
  EXPECT_EQ(xml_problem(html), "");
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // nothing fetched
  std::smatch m1, m2;
  std::regex id("clipPath id=\"([^\"]+)\"");
  ASSERT_TRUE(std::regex_search(html, m1, id));
  const std::string rest = m1.suffix();
  ASSERT_TRUE(std::regex_search(rest, m2, id));
  EXPECT_NE(m1[1], m2[1]);

  const auto dir = std::filesystem::temp_directory_path() / ("ramp_report_" + std::to_string(::getpid()));
  r.save((dir / "sub" / "report.html").string());
  std::ifstream in(dir / "sub" / "report.html");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), html);
  std::filesystem::remove_all(dir);
  EXPECT_THROW(r.save("/proc/no/such/report.html"), ramp::Error);
}
