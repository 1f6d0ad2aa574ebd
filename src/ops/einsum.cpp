// einsum, built from ops that record their own gradients (as_strided for repeated labels, sum,
// permute, expand, reshape, bmm), so autograd flows through it as through 1.13's einsum. Operands are
// contracted left to right, each pair as one bmm: [batch, left, contracted] x [batch, contracted, right].
#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <vector>

#include "ramp/ops.h"
#include "ramp/reduce.h"
#include "ramp/shape.h"

namespace ramp {
namespace {

// Labels are the letters' codes; '...' dims get codes from 256 up (one per broadcast dim).
using Labels = std::vector<int>;
constexpr int kEllipsisBase = 256;

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// One operand's subscripts as labels, its '...' expanded to `ell` dims.
Labels parse_term(const std::string& term, std::int64_t ndim, std::int64_t* ell_dims, bool output, std::int64_t ell_max) {
  Labels l;
  bool seen = false;
  std::int64_t letters = 0;
  for (std::size_t i = 0; i < term.size(); ++i)
    if (is_letter(term[i])) ++letters;
  for (std::size_t i = 0; i < term.size(); ++i) {
    const char c = term[i];
    if (c == ' ') continue;
    if (c == '.') {
      RAMP_CHECK(!seen && term.compare(i, 3, "...") == 0,
                 "einsum(): found '.' for ", output ? "output" : "operand", " that is not part of any ellipsis");
      seen = true;
      const std::int64_t n = output ? ell_max : ndim - letters;
      RAMP_CHECK(n >= 0, "einsum(): the number of subscripts in the equation (", letters,
                 ") is more than the number of dimensions (", ndim, ") for operand");
      if (ell_dims) *ell_dims = n;
      // Right-aligned, as broadcasting: dim k of ell_max-wide ellipsis.
      for (std::int64_t k = 0; k < n; ++k) l.push_back(kEllipsisBase + int(ell_max - n + k));
      i += 2;
      continue;
    }
    RAMP_CHECK(is_letter(c), "einsum(): invalid subscript given at index ", i, " in the equation string, subscripts must be in [a-zA-Z]");
    l.push_back(c);
  }
  if (!output)
    RAMP_CHECK(seen || letters == ndim, "einsum(): the number of subscripts in the equation (", letters,
               ") does not match the number of dimensions (", ndim, ") for operand", seen ? " and no ellipsis was given" : " and no ellipsis was given");
  return l;
}

// An operand whose dims carry labels.
struct Term {
  Tensor t;
  Labels l;
};

// Repeated labels in one operand become one dim (the diagonal, through as_strided).
Term take_diagonals(Term x) {
  Labels out;
  Dims sizes, strides;
  for (std::size_t i = 0; i < x.l.size(); ++i) {
    auto it = std::find(out.begin(), out.end(), x.l[i]);
    if (it == out.end()) {
      out.push_back(x.l[i]);
      sizes.push_back(x.t.size(std::int64_t(i)));
      strides.push_back(x.t.stride(std::int64_t(i)));
    } else {
      const std::size_t j = std::size_t(it - out.begin());
      RAMP_CHECK(sizes[j] == x.t.size(std::int64_t(i)), "einsum(): subscript ", char(x.l[i]),
                 " is repeated for operand but the sizes don't match, ", sizes[j], " != ", x.t.size(std::int64_t(i)));
      strides[j] += x.t.stride(std::int64_t(i));
    }
  }
  if (out.size() == x.l.size()) return x;
  return {x.t.as_strided(sizes, strides, x.t.storage_offset()), out};
}

// Sums away the labels of x no longer needed (in neither `keep` nor the other operand).
Term sum_unneeded(Term x, const Labels& keep, const Labels& other) {
  std::vector<std::int64_t> dims;
  Labels rest;
  for (std::size_t i = 0; i < x.l.size(); ++i) {
    const int c = x.l[i];
    if (std::count(keep.begin(), keep.end(), c) || std::count(other.begin(), other.end(), c)) rest.push_back(c);
    else dims.push_back(std::int64_t(i));
  }
  if (dims.empty()) return x;
  return {sum(x.t, dims), rest};
}

std::int64_t size_of(const Term& x, int c) {
  auto it = std::find(x.l.begin(), x.l.end(), c);
  return it == x.l.end() ? 1 : x.t.size(std::int64_t(it - x.l.begin()));
}

// x permuted to the labels `order` (all of x's), then reshaped to `shape`.
Tensor arrange(const Term& x, const Labels& order, IntArrayRef shape) {
  std::vector<std::int64_t> perm;
  for (int c : order) perm.push_back(std::int64_t(std::find(x.l.begin(), x.l.end(), c) - x.l.begin()));
  return x.t.permute(perm).reshape(shape);
}

// a * b summed over the labels in both and not in `keep`, as one bmm.
Term contract(Term a, Term b, const Labels& keep) {
  a = sum_unneeded(a, keep, b.l);
  b = sum_unneeded(b, keep, a.l);
  Labels batch, left, right, summed;
  for (int c : a.l) {
    const bool in_b = std::count(b.l.begin(), b.l.end(), c) > 0;
    if (!in_b) left.push_back(c);
    else if (std::count(keep.begin(), keep.end(), c)) batch.push_back(c);
    else summed.push_back(c);
  }
  for (int c : b.l)
    if (!std::count(a.l.begin(), a.l.end(), c)) right.push_back(c);
  // Size-1 dims broadcast against the other side: expand both to the common size.
  auto widen = [&](Term& x, const Term& y) {
    Dims sizes;
    for (std::size_t i = 0; i < x.l.size(); ++i) {
      const std::int64_t s = x.t.size(std::int64_t(i)), o = size_of(y, x.l[i]);
      RAMP_CHECK(s == o || s == 1 || o == 1 || !std::count(y.l.begin(), y.l.end(), x.l[i]),
                 "einsum(): operands do not broadcast with remapped shapes (original->remapped): ", s, " and ", o);
      sizes.push_back(std::count(y.l.begin(), y.l.end(), x.l[i]) ? std::max(s, o) : s);
    }
    x.t = x.t.expand(sizes);
  };
  widen(a, b);
  widen(b, a);
  auto prod = [&](const Term& x, const Labels& ls) {
    std::int64_t p = 1;
    for (int c : ls) p *= size_of(x, c);
    return p;
  };
  const std::int64_t nb = prod(a, batch), nl = prod(a, left), ns = prod(a, summed), nr = prod(b, right);
  Labels ao = batch, bo = batch;
  ao.insert(ao.end(), left.begin(), left.end());
  ao.insert(ao.end(), summed.begin(), summed.end());
  bo.insert(bo.end(), summed.begin(), summed.end());
  bo.insert(bo.end(), right.begin(), right.end());
  const Tensor r = bmm(arrange(a, ao, {nb, nl, ns}), arrange(b, bo, {nb, ns, nr}));
  Dims sizes;
  Labels l = batch;
  l.insert(l.end(), left.begin(), left.end());
  l.insert(l.end(), right.begin(), right.end());
  for (int c : batch) sizes.push_back(size_of(a, c));
  for (int c : left) sizes.push_back(size_of(a, c));
  for (int c : right) sizes.push_back(size_of(b, c));
  return {r.view(sizes), l};  // bmm's result is contiguous: a view, ViewBackward0 as 1.13's
}

}  // namespace

Tensor einsum(std::string_view equation, const std::vector<Tensor>& operands) {
  RAMP_CHECK(!operands.empty(), "einsum(): must provide at least one operand");
  std::string eq(equation);
  const std::size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> terms;
  for (std::size_t s = 0;;) {
    const std::size_t c = lhs.find(',', s);
    terms.push_back(lhs.substr(s, c == std::string::npos ? std::string::npos : c - s));
    if (c == std::string::npos) break;
    s = c + 1;
  }
  RAMP_CHECK(terms.size() == operands.size(), "einsum(): more operands were provided than specified in the equation");
  std::int64_t ell_max = 0;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    std::int64_t n = 0;
    if (terms[i].find("...") != std::string::npos) {
      std::int64_t letters = 0;
      for (char c : terms[i]) letters += is_letter(c);
      n = operands[i].dim() - letters;
    }
    ell_max = std::max(ell_max, n);
  }
  std::vector<Term> xs;
  for (std::size_t i = 0; i < terms.size(); ++i)
    xs.push_back(take_diagonals({operands[i], parse_term(terms[i], operands[i].dim(), nullptr, false, ell_max)}));
  // The output's labels: given, or the letters seen once in alphabetical order after '...'.
  Labels out;
  if (arrow != std::string::npos) {
    out = parse_term(eq.substr(arrow + 2), 0, nullptr, true, ell_max);
    for (std::size_t i = 0; i < out.size(); ++i) {
      RAMP_CHECK(std::count(out.begin(), out.end(), out[i]) == 1, "einsum(): output subscript ", char(out[i]),
                 " appears more than once in the output");
      bool found = out[i] >= kEllipsisBase;
      for (const Term& x : xs) found = found || std::count(x.l.begin(), x.l.end(), out[i]);
      RAMP_CHECK(found, "einsum(): output subscript ", char(out[i]), " does not appear in the equation for any input operand");
    }
  } else {
    for (std::int64_t k = 0; k < ell_max; ++k) out.push_back(kEllipsisBase + int(k));
    std::map<int, int> count;
    for (std::size_t i = 0; i < terms.size(); ++i)
      for (char c : terms[i])
        if (is_letter(c)) ++count[c];
    std::vector<int> once;
    for (auto [c, n] : count)
      if (n == 1) once.push_back(c);
    std::sort(once.begin(), once.end());  // alphabetical, upper case first (ASCII), as torch
    out.insert(out.end(), once.begin(), once.end());
  }
  // Fold the operands in from the left; the labels still needed are the output's and later operands'.
  Term acc = xs[0];
  for (std::size_t i = 1; i < xs.size(); ++i) {
    Labels keep = out;
    for (std::size_t j = i + 1; j < xs.size(); ++j) keep.insert(keep.end(), xs[j].l.begin(), xs[j].l.end());
    acc = contract(acc, xs[i], keep);
  }
  const std::size_t labels_before = acc.l.size();
  acc = sum_unneeded(acc, out, {});
  const bool summed = acc.l.size() != labels_before;
  // Labels of the output that no operand had ('...' dims narrower everywhere) are size-1 dims.
  for (int c : out)
    if (!std::count(acc.l.begin(), acc.l.end(), c)) {
      acc.t = acc.t.unsqueeze(acc.t.dim());
      acc.l.push_back(c);
    }
  std::vector<std::int64_t> perm;
  for (int c : out) perm.push_back(std::int64_t(std::find(acc.l.begin(), acc.l.end(), c) - acc.l.begin()));
  bool identity = true;
  for (std::size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == std::int64_t(i);
  // A lone operand nothing was done to still becomes a new view (1.13 records PermuteBackward0 for "ij").
  return identity && (xs.size() > 1 || summed) ? acc.t : acc.t.permute(perm);
}

}  // namespace ramp
