// One rank of the C++ multi-process test (tests/cpp/test_distributed.cpp spawns 2 or 3 of these):
//   ramp_dist_worker SCENARIO RANK WORLD_SIZE STORE_FOLDER
// Every rank builds every rank's inputs (a formula of rank and index) and checks its results against
// the exact answer computed here in int64 / bool; values are small so every dtype holds them exactly.
// Exit status 0: all checks passed; failures go to stderr.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ramp/distributed.h"

namespace dist = ramp::distributed;
using ramp::ScalarType;
using ramp::Tensor;

namespace {

constexpr int kN = 7;
int failures = 0;

void expect(bool ok, const std::string& what) {
  if (!ok) {
    ++failures;
    std::fprintf(stderr, "FAIL %s\n", what.c_str());
  }
}

std::vector<std::int64_t> values(int rank, bool bitwise, int salt = 0) {
  std::vector<std::int64_t> v(kN);
  for (int i = 0; i < kN; ++i)
    v[std::size_t(i)] = bitwise ? (rank * 7 + i * 3 + 5) % 16 : (rank * 3 + i * 5 + salt) % 4 + 1;
  return v;
}

// bool's inputs: 1..4 -> even
std::vector<std::int64_t> as_dtype(std::vector<std::int64_t> v, ScalarType t) {
  if (t == ScalarType::Bool)
    for (auto& x : v) x = x % 2 == 0;
  return v;
}

Tensor make(const std::vector<std::int64_t>& v, ScalarType t) {
  return ramp::from_vector(std::vector<double>(v.begin(), v.end()), {std::int64_t(v.size())}, t);
}

std::vector<std::int64_t> read(const Tensor& t) {
  std::vector<std::int64_t> out;
  for (double d : t.to_vector()) out.push_back(std::int64_t(d));
  return out;
}

std::int64_t combine(dist::ReduceOp op, std::int64_t a, std::int64_t b, bool logical) {
  using R = dist::ReduceOp;
  if (logical) {  // bool: SUM/MAX/BOR = or, PRODUCT/MIN/BAND = and
    if (op == R::BXOR) return a != b;
    return op == R::SUM || op == R::MAX || op == R::BOR ? (a || b) : (a && b);
  }
  switch (op) {
    case R::SUM: return a + b;
    case R::PRODUCT: return a * b;
    case R::MIN: return std::min(a, b);
    case R::MAX: return std::max(a, b);
    case R::BAND: return a & b;
    case R::BOR: return a | b;
    default: return a ^ b;
  }
}

void collectives(int rank, int ws) {
  const ScalarType dtypes[] = {ScalarType::Bool, ScalarType::UInt8, ScalarType::Int8, ScalarType::Int32,
                               ScalarType::Int64, ScalarType::BFloat16, ScalarType::Float32, ScalarType::Float64};
  using R = dist::ReduceOp;
  for (ScalarType t : dtypes) {
    std::string dn(ramp::dtype_name(t));
    for (R op : {R::SUM, R::PRODUCT, R::MIN, R::MAX, R::BAND, R::BOR, R::BXOR}) {
      bool bitwise = op == R::BAND || op == R::BOR || op == R::BXOR;
      if (bitwise && !ramp::is_integral(t, true)) continue;
      std::vector<std::vector<std::int64_t>> in;
      for (int r = 0; r < ws; ++r) in.push_back(as_dtype(values(r, bitwise && t != ScalarType::Bool), t));
      std::vector<std::int64_t> want = in[0];
      for (int r = 1; r < ws; ++r)
        for (int i = 0; i < kN; ++i) want[std::size_t(i)] = combine(op, want[std::size_t(i)], in[std::size_t(r)][std::size_t(i)], t == ScalarType::Bool);
      std::string what = std::string(dist::reduce_op_name(op)) + " " + dn;
      Tensor x = make(in[std::size_t(rank)], t);
      dist::all_reduce(x, op);
      expect(read(x) == want, "all_reduce " + what);
      Tensor y = make(in[std::size_t(rank)], t);
      dist::reduce(y, 0, op);
      if (rank == 0) expect(read(y) == want, "reduce " + what);
    }
    std::vector<std::vector<std::int64_t>> mine;
    for (int r = 0; r < ws; ++r) mine.push_back(as_dtype(values(r, false, 1), t));
    for (int root = 0; root < ws; ++root) {
      Tensor x = make(mine[std::size_t(rank)], t);
      dist::broadcast(x, root);
      expect(read(x) == mine[std::size_t(root)], "broadcast " + dn);
    }
    std::vector<Tensor> outs;
    for (int r = 0; r < ws; ++r) outs.push_back(ramp::zeros({kN}, t));
    dist::all_gather(outs, make(mine[std::size_t(rank)], t));
    for (int r = 0; r < ws; ++r) expect(read(outs[std::size_t(r)]) == mine[std::size_t(r)], "all_gather " + dn);
    int root = ws - 1;
    std::vector<Tensor> gathered;
    if (rank == root)
      for (int r = 0; r < ws; ++r) gathered.push_back(ramp::zeros({kN}, t));
    dist::gather(make(mine[std::size_t(rank)], t), rank == root ? &gathered : nullptr, root);
    for (std::size_t r = 0; r < gathered.size(); ++r) expect(read(gathered[r]) == mine[r], "gather " + dn);
    std::vector<Tensor> pieces;
    if (rank == root)
      for (int r = 0; r < ws; ++r) pieces.push_back(make(mine[std::size_t(r)], t));
    Tensor out = ramp::zeros({kN}, t);
    dist::scatter(out, rank == root ? &pieces : nullptr, root);
    expect(read(out) == mine[std::size_t(rank)], "scatter " + dn);
  }
  // async: four ops in flight, waited in reverse order
  std::vector<Tensor> ts;
  std::vector<dist::WorkPtr> works;
  for (int k = 0; k < 4; ++k) {
    ts.push_back(ramp::full({1000}, double(rank + k)));
    works.push_back(dist::all_reduce(ts.back(), dist::ReduceOp::SUM, /*async_op=*/true));
  }
  for (int k = 3; k >= 0; --k) expect(works[std::size_t(k)]->wait(), "wait");
  for (int k = 0; k < 4; ++k) {
    double want = 0;
    for (int r = 0; r < ws; ++r) want += r + k;
    expect(ts[std::size_t(k)].to_vector() == std::vector<double>(1000, want), "async all_reduce");
  }
  // 1.13's refusals, on the caller's thread
  Tensor f = ramp::ones({3});
  auto raises = [&](auto fn, const std::string& text) {
    try {
      fn();
      expect(false, "no error for " + text);
    } catch (const ramp::Error& e) {
      expect(std::string(e.what()).find(text) != std::string::npos, "message " + std::string(e.what()));
    }
  };
  raises([&] { dist::all_reduce(f, dist::ReduceOp::AVG); }, "Cannot use ReduceOp.AVG with Gloo");
  raises([&] { dist::all_reduce(f, dist::ReduceOp::BXOR); }, "Cannot use ReduceOp.BXOR with non-integral dtype");
  raises([&] { dist::broadcast(f, ws); }, "ProcessGroupGloo::broadcast: invalid root rank: " + std::to_string(ws));
  dist::barrier();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s SCENARIO RANK WORLD_SIZE STORE_FOLDER\n", argv[0]);
    return 2;
  }
  std::string scenario = argv[1];
  int rank = std::atoi(argv[2]), ws = std::atoi(argv[3]);
  try {
    dist::init_process_group("gloo", std::string("file://") + argv[4] + "/store", rank, ws,
                             std::chrono::seconds(scenario == "killed" ? 20 : 10));
    expect(dist::get_rank() == rank && dist::get_world_size() == ws, "rank and world size");
    if (scenario == "collectives") {
      collectives(rank, ws);
    } else if (scenario == "killed") {
      dist::barrier();
      if (rank == 1) _exit(3);  // dies mid-run; the kernel closes its sockets
      auto start = std::chrono::steady_clock::now();
      Tensor x = ramp::ones({1 << 16});
      try {
        dist::all_reduce(x);
        expect(false, "all_reduce with a dead peer returned");
      } catch (const ramp::Error& e) {
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::string want = "all_reduce failed on rank " + std::to_string(rank);
        expect(std::string(e.what()).find(want) != std::string::npos, std::string("message: ") + e.what());
        expect(s < 5.0, "dead peer noticed after " + std::to_string(s) + " s");
      }
    }
    dist::destroy_process_group();
    expect(!dist::is_initialized(), "is_initialized after destroy");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FAIL rank %d: %s\n", rank, e.what());
    _exit(1);
  }
  _exit(failures == 0 ? 0 : 1);
}
