// PyTorch 1.13's torch/_tensor_str.py, for dense CPU tensors of ramp's dtypes. Function and
// variable names follow the Python so the two can be read side by side.
#include "ramp/print.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "ramp/error.h"

namespace ramp {

PrintOptions& print_options() {
  static PrintOptions opts;
  return opts;
}

void set_printoptions(std::optional<int> precision, std::optional<std::int64_t> threshold,
                      std::optional<int> edgeitems, std::optional<int> linewidth,
                      std::optional<bool> sci_mode) {
  PrintOptions& o = print_options();
  if (precision) o.precision = *precision;
  if (threshold) o.threshold = *threshold;
  if (edgeitems) o.edgeitems = *edgeitems;
  if (linewidth) o.linewidth = *linewidth;
  if (sci_mode) o.sci_mode = *sci_mode;
}

void set_printoptions_profile(std::string_view profile) {
  PrintOptions& o = print_options();
  if (profile == "default") {
    o.precision = 4;
    o.threshold = 1000;
    o.edgeitems = 3;
    o.linewidth = 80;
  } else if (profile == "short") {
    o.precision = 2;
    o.threshold = 1000;
    o.edgeitems = 2;
    o.linewidth = 80;
  } else if (profile == "full") {
    o.precision = 4;
    o.threshold = std::numeric_limits<std::int64_t>::max();  // Python: inf
    o.edgeitems = 3;
    o.linewidth = 80;
  }
  o.sci_mode.reset();
}

namespace {

// ---------------------------------------------------------------------------------------------
// Python's str.format for floats. For 'f' and 'e' Python rounds the exact binary value correctly
// (half-even on exact ties), as glibc's printf does, and both write at least two exponent digits;
// they differ only in that Python never prints a sign on NaN.

std::string c_format(const char* fmt, int precision, double v) {
  int n = std::snprintf(nullptr, 0, fmt, precision, v);
  std::string s(static_cast<std::size_t>(n), '\0');
  std::snprintf(s.data(), s.size() + 1, fmt, precision, v);
  return s;
}

std::string nonfinite_str(double v) {
  if (std::isnan(v)) return "nan";
  return v < 0 ? "-inf" : "inf";
}

// '{:.<precision>f}'.format(v)
std::string format_f(double v, int precision) {
  RAMP_CHECK_T(ValueError, precision >= 0, "Format specifier missing precision");
  if (!std::isfinite(v)) return nonfinite_str(v);
  return c_format("%.*f", precision, v);
}

// '{:.<precision>e}'.format(v)
std::string format_e(double v, int precision) {
  RAMP_CHECK_T(ValueError, precision >= 0, "Format specifier missing precision");
  if (!std::isfinite(v)) return nonfinite_str(v);
  return c_format("%.*e", precision, v);
}

// '{:.0f}'.format(v)
std::string format_0f(double v) { return format_f(v, 0); }

// Python's len() counts code points; every string built here is ASCII except, possibly, a
// caller's suffix.
std::int64_t py_len(std::string_view s) {
  return std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

std::string spaces(std::int64_t n) {
  return std::string(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)), ' ');
}

// str(tuple(shape)): "(2, 0)", "(0,)", "()".
std::string shape_str(const std::vector<std::int64_t>& sizes) {
  std::string s = "(";
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(sizes[i]);
  }
  if (sizes.size() == 1) s += ",";
  return s + ")";
}

// ---------------------------------------------------------------------------------------------
// Element access. The Python formats values of `self.tolist()`: Python floats (the dtype's value
// as a double; bfloat16 is first converted to float32, which is exact), ints, or bools.

struct Elements {
  const PrintSource& src;
  bool floating;

  double value(std::int64_t i) const { return src.value ? src.value(i) : double(src.int_value(i)); }
  std::int64_t int_value(std::int64_t i) const {
    return src.int_value ? src.int_value(i) : static_cast<std::int64_t>(src.value(i));
  }
  // "{}".format(value) of a non-floating element.
  std::string str(std::int64_t i) const {
    if (src.dtype == ScalarType::Bool) {
      bool b = src.value ? src.value(i) != 0.0 : src.int_value(i) != 0;
      return b ? "True" : "False";
    }
    return std::to_string(int_value(i));
  }
};

// ---------------------------------------------------------------------------------------------
// class _Formatter: chooses int_mode / sci_mode and the common width from the values shown.

class Formatter {
 public:
  Formatter(const Elements& elems, const std::vector<std::int64_t>& indices,
            const PrintOptions& opts)
      : elems_(elems), opts_(opts), floating_dtype_(elems.floating) {
    if (!floating_dtype_) {
      for (std::int64_t i : indices) max_width_ = std::max(max_width_, py_len(elems.str(i)));
      return;
    }
    std::vector<double> nonzero_finite_vals;
    for (std::int64_t i : indices) {
      double v = elems.value(i);
      if (std::isfinite(v) && v != 0.0) nonzero_finite_vals.push_back(v);
    }
    // No valid number: PyTorch returns before applying PRINT_OPTS.sci_mode, so an all-zero /
    // all-nonfinite tensor prints in int mode ("0.", "nan") even with sci_mode=True.
    if (nonzero_finite_vals.empty()) return;

    // PyTorch takes these statistics in float64 (tensor_totype), exactly as here: a float32
    // 0.0001 is 9.99999974e-05 as a double, so it is < 1.0e-4 and selects sci mode.
    double nonzero_finite_min = std::numeric_limits<double>::infinity();
    double nonzero_finite_max = 0.0;
    for (double v : nonzero_finite_vals) {
      nonzero_finite_min = std::min(nonzero_finite_min, std::fabs(v));
      nonzero_finite_max = std::max(nonzero_finite_max, std::fabs(v));
    }
    for (double v : nonzero_finite_vals) {
      if (v != std::ceil(v)) {
        int_mode_ = false;
        break;
      }
    }

    const bool wide_range =
        nonzero_finite_max / nonzero_finite_min > 1000.0 || nonzero_finite_max > 1.0e8;
    if (int_mode_) {
      // Integral floats print as "{:.0f}" plus a "." marking the floating dtype: count it.
      if (wide_range) {
        sci_mode_ = true;
        for (double v : nonzero_finite_vals)
          max_width_ = std::max(max_width_, py_len(format_e(v, opts.precision)));
      } else {
        for (double v : nonzero_finite_vals)
          max_width_ = std::max(max_width_, py_len(format_0f(v)) + 1);
      }
    } else {
      if (wide_range || nonzero_finite_min < 1.0e-4) {
        sci_mode_ = true;
        for (double v : nonzero_finite_vals)
          max_width_ = std::max(max_width_, py_len(format_e(v, opts.precision)));
      } else {
        for (double v : nonzero_finite_vals)
          max_width_ = std::max(max_width_, py_len(format_f(v, opts.precision)));
      }
    }
    if (opts.sci_mode) sci_mode_ = *opts.sci_mode;
  }

  std::int64_t width() const { return max_width_; }

  // format(value), right-aligned to width(); a forced sci_mode can give wider entries, which then
  // stay unpadded and misaligned, as in PyTorch.
  std::string format(std::int64_t i) const {
    std::string ret;
    if (floating_dtype_) {
      double value = elems_.value(i);
      if (sci_mode_) {
        ret = format_e(value, opts_.precision);  // '{:{w}.{p}e}': its padding is the same as below
      } else if (int_mode_) {
        ret = format_0f(value);
        if (std::isfinite(value)) ret += ".";
      } else {
        ret = format_f(value, opts_.precision);
      }
    } else {
      ret = elems_.str(i);
    }
    return spaces(max_width_ - py_len(ret)) + ret;
  }

 private:
  const Elements& elems_;
  const PrintOptions& opts_;
  bool floating_dtype_;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  std::int64_t max_width_ = 1;
};

// ---------------------------------------------------------------------------------------------
// Which rows of a dimension are shown. PyTorch writes this twice, in get_summarized_data (the
// values the Formatter sees) and in _tensor_str_with_formatter / _vector_str (the values printed);
// both pick the same rows, so one helper serves both.

struct ShownRows {
  std::vector<std::int64_t> head, tail;  // printed in order, with "..." between when summarized
  bool ellipsis = false;
};

// Python's normalisation of a slice bound against a length n.
std::int64_t slice_bound(std::int64_t b, std::int64_t n) {
  if (b < 0) return std::max<std::int64_t>(b + n, 0);
  return std::min(b, n);
}

ShownRows shown_rows(std::int64_t n, bool is_vector, bool summarize, const PrintOptions& opts) {
  ShownRows r;
  const std::int64_t e = opts.edgeitems;
  if (!(summarize && n > 2 * e)) {
    for (std::int64_t i = 0; i < n; ++i) r.head.push_back(i);
    return r;
  }
  r.ellipsis = true;
  if (is_vector) {
    // self[:edgeitems] and self[-edgeitems:]. Slicing matters for edgeitems <= 0: self[-0:] is
    // the whole vector, so edgeitems=0 prints "[ ..., 0, 1, ...]".
    for (std::int64_t i = 0, stop = slice_bound(e, n); i < stop; ++i) r.head.push_back(i);
    for (std::int64_t i = slice_bound(-e, n); i < n; ++i) r.tail.push_back(i);
  } else {
    // range(0, edgeitems) and range(len - edgeitems, len)
    for (std::int64_t i = 0; i < e; ++i) r.head.push_back(i);
    for (std::int64_t i = n - e; i < n; ++i) r.tail.push_back(i);
  }
  return r;
}

struct Layout {
  std::vector<std::int64_t> sizes, strides;  // contiguous row-major
};

// The flat indices of get_summarized_data(self) (or of self when not summarizing), in order.
void summarized_indices(const Layout& L, std::size_t d, std::int64_t base, bool summarize,
                        const PrintOptions& opts, std::vector<std::int64_t>& out) {
  if (d == L.sizes.size()) {
    out.push_back(base);
    return;
  }
  const bool is_vector = d + 1 == L.sizes.size();
  // For 2+ dims with edgeitems <= 0, PyTorch summarizes by torch.stack-ing no rows at all.
  const bool stacks_nothing = !is_vector && summarize &&
                              L.sizes[d] > 2 * std::int64_t(opts.edgeitems) && opts.edgeitems <= 0;
  RAMP_CHECK(!stacks_nothing, "stack expects a non-empty TensorList");
  ShownRows rows = shown_rows(L.sizes[d], is_vector, summarize, opts);
  for (const auto* part : {&rows.head, &rows.tail})
    for (std::int64_t i : *part)
      summarized_indices(L, d + 1, base + i * L.strides[d], summarize, opts, out);
}

// _vector_str
std::string vector_str(const Layout& L, std::int64_t base, std::int64_t indent, bool summarize,
                       const Formatter& formatter1, const PrintOptions& opts) {
  // length includes spaces and comma between elements
  const std::int64_t element_length = formatter1.width() + 2;
  const std::int64_t elements_per_line = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(
             std::floor(double(opts.linewidth - indent) / double(element_length))));

  const std::size_t d = L.sizes.size() - 1;
  ShownRows rows = shown_rows(L.sizes[d], /*is_vector=*/true, summarize, opts);
  std::vector<std::string> data;
  for (std::int64_t i : rows.head) data.push_back(formatter1.format(base + i * L.strides[d]));
  if (rows.ellipsis) data.push_back(" ...");
  for (std::int64_t i : rows.tail) data.push_back(formatter1.format(base + i * L.strides[d]));

  // data_lines: chunks of elements_per_line joined with ", ", the chunks with ",\n" + indent.
  std::string s = "[";
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (i > 0) s += (std::int64_t(i) % elements_per_line == 0) ? ",\n" + spaces(indent + 1) : ", ";
    s += data[i];
  }
  return s + "]";
}

// _tensor_str_with_formatter: `d` is the first dimension of the sub-tensor starting at `base`.
std::string tensor_str_with_formatter(const Layout& L, std::size_t d, std::int64_t base,
                                      std::int64_t indent, bool summarize,
                                      const Formatter& formatter1, const PrintOptions& opts) {
  const std::size_t dim = L.sizes.size() - d;
  if (dim == 0) return formatter1.format(base);  // _scalar_str
  if (dim == 1) return vector_str(L, base, indent, summarize, formatter1, opts);

  ShownRows rows = shown_rows(L.sizes[d], /*is_vector=*/false, summarize, opts);
  std::vector<std::string> slices;
  for (std::int64_t i : rows.head)
    slices.push_back(tensor_str_with_formatter(L, d + 1, base + i * L.strides[d], indent + 1,
                                               summarize, formatter1, opts));
  if (rows.ellipsis) slices.push_back("...");
  for (std::int64_t i : rows.tail)
    slices.push_back(tensor_str_with_formatter(L, d + 1, base + i * L.strides[d], indent + 1,
                                               summarize, formatter1, opts));

  const std::string sep = "," + std::string(dim - 1, '\n') + spaces(indent + 1);
  std::string s = "[";
  for (std::size_t i = 0; i < slices.size(); ++i) {
    if (i) s += sep;
    s += slices[i];
  }
  return s + "]";
}

// _tensor_str (numel > 0)
std::string tensor_str(const PrintSource& src, std::int64_t numel, std::int64_t indent,
                       const PrintOptions& opts) {
  Layout L;
  L.sizes = src.sizes;
  L.strides.assign(L.sizes.size(), 1);
  for (std::size_t d = L.sizes.size(); d-- > 1;) L.strides[d - 1] = L.strides[d] * L.sizes[d];

  const bool summarize = numel > opts.threshold;
  const Elements elems{src, is_floating(src.dtype)};
  std::vector<std::int64_t> shown;
  summarized_indices(L, 0, 0, summarize, opts, shown);
  const Formatter formatter(elems, shown, opts);
  return tensor_str_with_formatter(L, 0, 0, indent, summarize, formatter, opts);
}

// A suffix and the length _add_suffixes counts for it.
struct Suffix {
  std::string text;
  std::int64_t layout_len;
};

// _add_suffixes (force_newline is only set for sparse tensors)
std::string add_suffixes(const std::string& tensor_str, const std::vector<Suffix>& suffixes,
                         std::int64_t indent, std::int64_t linewidth) {
  std::string out = tensor_str;
  // len(tensor_str) - tensor_str.rfind("\n") + 1: the last line's length plus 2 (rfind gives -1
  // when there is no newline, which also comes to length + 2).
  const std::string_view last_line =
      std::string_view(tensor_str).substr(tensor_str.rfind('\n') + 1);
  std::int64_t last_line_len = py_len(last_line) + 2;
  for (const Suffix& suffix : suffixes) {
    const std::int64_t suffix_len = suffix.layout_len;
    if (last_line_len + suffix_len + 2 > linewidth) {
      out += ",\n" + spaces(indent) + suffix.text;
      last_line_len = indent + suffix_len;
    } else {
      out += ", " + suffix.text;
      last_line_len += suffix_len + 2;
    }
  }
  return out + ")";
}

}  // namespace

// _str_intern, for a dense tensor on the default (CPU) device.
std::string format_tensor(const PrintSource& src, const std::vector<std::string>& suffixes) {
  const PrintOptions& opts = print_options();
  std::int64_t numel = 1;
  for (std::int64_t s : src.sizes) {
    RAMP_CHECK(s >= 0, "format_tensor: negative size in ", shape_str(src.sizes));
    numel *= s;
  }
  const bool needs_int = is_integral(src.dtype);
  RAMP_CHECK(src.value || src.int_value, "format_tensor: PrintSource has no element accessor");
  RAMP_CHECK(needs_int || src.dtype == ScalarType::Bool || src.value,
             "format_tensor: a floating PrintSource needs `value`");

  const std::string prefix = "tensor(";
  const std::int64_t indent = py_len(prefix);
  // ramp writes "dtype=ramp.float64" where PyTorch writes "dtype=torch.float64", but wraps the
  // suffixes where PyTorch does, by counting the dtype suffix at PyTorch's length: ramp's repr is
  // then exactly PyTorch's with "torch." replaced by "ramp.", and no line grows longer than it.
  const std::string dtype_text = "dtype=ramp." + std::string(dtype_name(src.dtype));
  const Suffix dtype_suffix{dtype_text, py_len(dtype_text) + py_len("torch.") - py_len("ramp.")};
  std::vector<Suffix> all_suffixes;
  std::string body;
  if (numel == 0) {
    // Explicitly print the shape if it is not (0,), to match NumPy behavior
    if (src.sizes.size() != 1) {
      std::string size = "size=" + shape_str(src.sizes);
      all_suffixes.push_back({size, py_len(size)});
    }
    // With no elements to tell int64 from float, only the default dtype goes unstated.
    if (src.dtype != get_default_dtype()) all_suffixes.push_back(dtype_suffix);
    body = "[]";
  } else {
    const bool has_default_dtype = src.dtype == get_default_dtype() ||
                                   src.dtype == ScalarType::Int64 || src.dtype == ScalarType::Bool;
    if (!has_default_dtype) all_suffixes.push_back(dtype_suffix);
    body = tensor_str(src, numel, indent, opts);
  }
  for (const std::string& s : suffixes) all_suffixes.push_back({s, py_len(s)});
  return add_suffixes(prefix + body, all_suffixes, indent, opts.linewidth);
}

// Python's float_repr_style 'short': repr(x) == format(x, 'r') with Py_DTSF_ADD_DOT_0.
std::string size_repr(std::span<const std::int64_t> sizes) {
  std::string r = "ramp.Size([";
  for (std::size_t i = 0; i < sizes.size(); ++i) r += (i ? ", " : "") + std::to_string(sizes[i]);
  return r + "])";
}

std::string python_float_repr(double v) {
  if (!std::isfinite(v)) return nonfinite_str(v);
  // Shortest round-trip digits, nearest to v (as David Gay's dtoa mode 0 that Python uses).
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));  // "-1.2345e-05"
  std::string out = sci[0] == '-' ? "-" : "";
  const std::string_view mant = sci.substr(out.size(), sci.find('e') - out.size());
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  const int exp10 = std::atoi(std::string(sci.substr(sci.find('e') + 1)).c_str());
  // decpt: the value is 0.<digits> * 10**decpt
  const int decpt = exp10 + 1;
  const int ndigits = static_cast<int>(digits.size());

  if (decpt <= -4 || decpt > 16) {
    out += digits[0];
    if (ndigits > 1) out += "." + digits.substr(1);
    const int e = decpt - 1;
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", e < 0 ? '-' : '+', std::abs(e));
    return out + ebuf;
  }
  if (decpt <= 0) return out + "0." + std::string(static_cast<std::size_t>(-decpt), '0') + digits;
  if (decpt >= ndigits)
    return out + digits + std::string(static_cast<std::size_t>(decpt - ndigits), '0') + ".0";
  return out + digits.substr(0, static_cast<std::size_t>(decpt)) + "." +
         digits.substr(static_cast<std::size_t>(decpt));
}

}  // namespace ramp
