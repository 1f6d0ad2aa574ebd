// Summary::str(): torchinfo's layout (a 40-column tree, then fixed-width columns, totals below).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ramp/summary.h"

namespace ramp::diagnostics {

namespace {

constexpr int kTree = 40, kColumn = 20;

std::string with_commas(std::int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Bytes as torchinfo counts them (1 MB = 1e6 bytes).
std::string bytes(std::int64_t b) {
  if (b == 0) return "--";
  return std::abs(double(b)) < 1e6 ? fixed(double(b) / 1e3, 1) + " KB" : fixed(double(b) / 1e6, 2) + " MB";
}

std::string shape(const std::vector<std::int64_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// Pads with spaces to `width` display columns (the tree's box characters are 3 bytes, 1 column).
std::string pad(const std::string& s, int width) {
  int cols = 0;
  for (unsigned char c : s) cols += (c & 0xC0) != 0x80;
  return s + std::string(std::size_t(std::max(1, width - cols)), ' ');
}

}  // namespace

std::string Summary::str() const {
  const std::string rule(std::size_t(kTree + 4 * kColumn), '=');
  std::string o = rule + "\n" + pad("Layer (type:depth-idx)", kTree) + pad("Output Shape", kColumn) +
                  pad("Param #", kColumn) + pad("Mult-Adds", kColumn) + "Memory\n" + rule + "\n";
  // A row is its parent's last child when no later row at its depth comes before a shallower one.
  std::vector<bool> last(layers.size(), true);
  for (std::size_t i = 0; i < layers.size(); ++i)
    for (std::size_t j = i + 1; j < layers.size() && layers[j].depth >= layers[i].depth; ++j)
      if (layers[j].depth == layers[i].depth) { last[i] = false; break; }
  std::vector<bool> open_at;  // per depth: whether the ancestor there has siblings still to come
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const LayerSummary& l = layers[i];
    std::string tree;
    if (l.depth > 0) {
      for (int k = 1; k < l.depth; ++k) tree += (std::size_t(k) < open_at.size() && open_at[k]) ? "│    " : "     ";
      tree += (last[i] ? "└─" : "├─") + l.type + ": " + std::to_string(l.depth) + "-" + std::to_string(l.index);
    } else {
      tree = l.type;
    }
    open_at.resize(std::size_t(l.depth) + 1);
    open_at[std::size_t(l.depth)] = !last[i];
    const bool none = l.params == 0;
    o += pad(tree, kTree) + pad(shape(l.output_shape), kColumn) +
         pad(none ? "--" : with_commas(l.params), kColumn) +
         pad(l.mult_adds ? with_commas(l.mult_adds) : "--", kColumn) + bytes(l.memory) + "\n";
  }
  const bool giga = mult_adds >= 1000000000;
  o += rule + "\nTotal params: " + with_commas(total_params) + "\nTrainable params: " + with_commas(trainable_params) +
       "\nNon-trainable params: " + with_commas(total_params - trainable_params) + "\nTotal mult-adds (" +
       (giga ? "G" : "M") + "): " + fixed(double(mult_adds) / (giga ? 1e9 : 1e6), 2) + "\n" + rule + "\n";
  o += "Input size (MB): " + fixed(double(input_bytes) / 1e6, 2) +
       "\nForward pass, kept for backward (MB, measured): " + fixed(double(forward_bytes) / 1e6, 2) +
       "\nForward pass peak (MB, measured): " + fixed(double(peak_bytes) / 1e6, 2) +
       "\nParams size (MB): " + fixed(double(param_bytes) / 1e6, 2) +
       "\nTotal size (MB): " + fixed(double(input_bytes + std::max(peak_bytes, forward_bytes) + param_bytes) / 1e6, 2) +
       "\n" + rule + "\n";
  return o;
}

}  // namespace ramp::diagnostics
