// include/ramp/io.h and include/ramp/data.h. Oracles: files assembled byte by byte here (headers
// as literal JSON, values packed by hand in the format's byte order), the values written, strtod
// for CSV numbers, Fashion-MNIST's published class counts, and "every malformed file raises
// ramp::Error" over every truncation and many corruptions of a valid file (run under ASan too).
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "ramp/data.h"
#include "ramp/io.h"

namespace ramp {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("ramp_io_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~TempDir() { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
};

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}
std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
template <class T>
std::string le_bytes(std::initializer_list<T> values) {  // little-endian, as x86 stores them
  std::string s;
  for (T v : values) s.append(reinterpret_cast<const char*>(&v), sizeof v);
  return s;
}
// A safetensors file from a literal header and data section.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  return le_bytes<std::uint64_t>({header.size()}) + header + data;
}

// The message ramp::Error carries, or "" if f does not throw; any other exception fails the test.
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::vector<std::int64_t> vec(IntArrayRef a) { return {a.begin(), a.end()}; }

void expect_same(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.dtype(), b.dtype());
  EXPECT_EQ(vec(a.sizes()), vec(b.sizes()));
  const auto va = a.to_vector(), vb = b.to_vector();
  ASSERT_EQ(va.size(), vb.size());
  for (std::size_t i = 0; i < va.size(); ++i)
    EXPECT_TRUE(va[i] == vb[i] || (std::isnan(va[i]) && std::isnan(vb[i]))) << i << ": " << va[i] << " vs " << vb[i];
}

NamedTensors every_dtype() {
  NamedTensors t;
  t.emplace_back("f32", from_vector({1.5, -2.25, NAN, INFINITY, -0.0, 3e38}, {2, 3}, ScalarType::Float32));
  t.emplace_back("f64", from_vector({1e-300, -7.0}, {2}, ScalarType::Float64));
  t.emplace_back("bf16", from_vector({1.0, -0.5, 256.0}, {3, 1}, ScalarType::BFloat16));
  t.emplace_back("i64", from_vector({-9e15, 42}, {1, 2}, ScalarType::Int64));
  t.emplace_back("i32", from_vector({-5, 7, 2147483647}, {3}, ScalarType::Int32));
  t.emplace_back("u8", from_vector({0, 255, 7}, {3}, ScalarType::UInt8));
  t.emplace_back("i8", from_vector({-128, 127}, {2}, ScalarType::Int8));
  t.emplace_back("bool", from_vector({1, 0, 1}, {3}, ScalarType::Bool));
  t.emplace_back("scalar", from_vector({3.25}, {}, ScalarType::Float32));
  t.emplace_back("empty", zeros({0, 4}, ScalarType::Float64));
  return t;
}

// ---- safetensors ----
TEST(Safetensors, RoundTripEveryDtypeInSaveOrderWithMetadata) {
  TempDir dir;
  const NamedTensors saved = every_dtype();
  save_safetensors(saved, dir.path("a.safetensors"), {{"format", "pt"}, {"epoch", "3"}});
  const SafetensorsFile f = read_safetensors(dir.path("a.safetensors"));
  ASSERT_EQ(f.tensors.size(), saved.size());
  for (std::size_t i = 0; i < saved.size(); ++i) {
    EXPECT_EQ(f.tensors[i].first, saved[i].first);
    expect_same(f.tensors[i].second, saved[i].second);
  }
  EXPECT_EQ(f.metadata, (std::map<std::string, std::string>{{"format", "pt"}, {"epoch", "3"}}));
}

TEST(Safetensors, WritesTheLayoutOfTheFormat) {
  TempDir dir;
  // A transposed (non-contiguous) tensor is written in its logical row-major order.
  Tensor t = from_vector({1, 2, 3, 4, 5, 6}, {2, 3}, ScalarType::Float32).t();
  save_safetensors({{"w", t}, {"b", from_vector({-1}, {1}, ScalarType::Int64)}}, dir.path("a"));
  const std::string bytes = read_bytes(dir.path("a"));
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);  // data aligned to 8 bytes, as the reference writer pads
  const std::string header = bytes.substr(8, n);
  EXPECT_EQ(header.substr(0, header.find_last_not_of(' ') + 1),
            R"({"w":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},)"
            R"("b":{"dtype":"I64","shape":[1],"data_offsets":[24,32]}})");
  EXPECT_EQ(bytes.substr(8 + n), le_bytes<float>({1, 4, 2, 5, 3, 6}) + le_bytes<std::int64_t>({-1}));
}

TEST(Safetensors, ReadsAHandWrittenFileInOffsetOrder) {
  TempDir dir;
  // Header keys out of offset order, as the reference writer (dtype size, then name) leaves them.
  const std::string header =
      R"({"__metadata__":{"k":"v"},"z":{"dtype":"F64","shape":[],"data_offsets":[0,8]},)"
      R"( "a":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]},"m":{"dtype":"I32","shape":[1],"data_offsets":[8,12]}})";
  write_bytes(dir.path("f"), safetensors_bytes(header, le_bytes<double>({0.1}) + le_bytes<std::int32_t>({-3}) +
                                                           le_bytes<std::uint16_t>({0x3FC0, 0xC000})));
  const NamedTensors t = load_safetensors(dir.path("f"));
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].first, "z");
  EXPECT_EQ(t[1].first, "m");
  EXPECT_EQ(t[2].first, "a");
  EXPECT_EQ(t[0].second.dim(), 0);
  EXPECT_EQ(t[0].second.item<double>(), 0.1);
  EXPECT_EQ(t[1].second.to_vector(), std::vector<double>{-3});
  EXPECT_EQ(t[2].second.to_vector(), (std::vector<double>{1.5, -2}));  // bf16 0x3FC0 = 1.5, 0xC000 = -2
}

TEST(Safetensors, MalformedFilesRaiseNamingTheFileAndTheProblem) {
  TempDir dir;
  const std::string f8 = le_bytes<float>({1, 2});
  struct Case {
    std::string bytes, expect;
  };
  auto entry = [](const std::string& dtype, const std::string& shape, const std::string& off) {
    return R"("x":{"dtype":")" + dtype + R"(","shape":)" + shape + R"(,"data_offsets":)" + off + "}";
  };
  const std::vector<Case> cases = {
      {"", "too small for the 8-byte header length"},
      {le_bytes<std::uint64_t>({1000}) + "{}", "header length 1000 goes past the end of the file (10 bytes)"},
      {safetensors_bytes("{\"x\":", ""), "invalid JSON header"},
      {safetensors_bytes("[1, 2]", ""), "the header must be a JSON object"},
      {safetensors_bytes("{" + entry("F16", "[1]", "[0,2]") + "}", "\1\1"), "dtype F16 is not supported by ramp"},
      {safetensors_bytes("{" + entry("Q4", "[1]", "[0,2]") + "}", "\1\1"), "unknown dtype 'Q4'"},
      {safetensors_bytes("{" + entry("F32", "[3]", "[0,8]") + "}", f8), "hold 8 bytes but shape [3] of F32 needs 12"},
      {safetensors_bytes("{" + entry("F32", "[-2]", "[0,8]") + "}", f8), "shape must be an array of non-negative"},
      {safetensors_bytes("{" + entry("F32", "[2]", "[8,0]") + "}", f8), "data_offsets must be [begin, end]"},
      {safetensors_bytes("{" + entry("F32", "[2]", "[0,8,9]") + "}", f8), "data_offsets must be [begin, end]"},
      {safetensors_bytes("{" + entry("F32", "[2]", "[0,8]") + "}", f8.substr(0, 5)), "past the data section's 5 bytes"},
      {safetensors_bytes("{" + entry("F32", "[2]", "[0,8]") + "}", f8 + "xx"), "2 bytes after the last tensor"},
      {safetensors_bytes("{" + entry("F32", "[2]", "[4,12]") + "}", f8 + f8), "gap of 4 bytes before tensor 'x'"},
      {safetensors_bytes(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                         R"("y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", f8),
       "overlaps the one before"},
      {safetensors_bytes("{" + entry("F32", "[2]", "[0,8]") + "," + entry("F32", "[2]", "[0,8]") + "}", f8),
       "duplicate key 'x'"},
      {safetensors_bytes(R"({"x":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}})", f8),
       "duplicate key 'dtype'"},
      {safetensors_bytes("{" + entry("BOOL", "[2]", "[0,2]") + "}", "\1\2"), "BOOL byte 1 is 2, not 0 or 1"},
      {safetensors_bytes(R"({"x":{"dtype":"F32","shape":[2]}})", f8), "missing \"data_offsets\""},
      {safetensors_bytes(R"({"__metadata__":{"a":1}})", ""), "__metadata__ value of 'a' must be a string"},
      {safetensors_bytes("{" + entry("U8", "[1,1,1,1,1,1,1,1,1,1,1,1,1]", "[0,1]") + "}", "\1"), "at most 12"},
      {safetensors_bytes("{" + entry("F64", "[4294967296,4294967296]", "[0,8]") + "}", f8), "is too large"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string p = dir.path("bad" + std::to_string(i));
    write_bytes(p, cases[i].bytes);
    const std::string msg = error_of([&] { load_safetensors(p); });
    EXPECT_NE(msg.find("safetensors: " + p + ": "), std::string::npos) << msg;
    EXPECT_NE(msg.find(cases[i].expect), std::string::npos) << "case " << i << ": " << msg;
  }
  EXPECT_NE(error_of([&] { load_safetensors(dir.path("missing")); }).find(dir.path("missing") + ": No such file or directory"),
            std::string::npos);
  EXPECT_NE(error_of([&] { load_safetensors(dir.path("")); }).find("Is a directory"), std::string::npos);
}

TEST(Safetensors, SaveRefusesBadNamesAndUnwritablePaths) {
  TempDir dir;
  const Tensor x = zeros({2});
  EXPECT_NE(error_of([&] { save_safetensors({{"a", x}, {"a", x}}, dir.path("f")); }).find("duplicate tensor name 'a'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { save_safetensors({{"__metadata__", x}}, dir.path("f")); }).find("invalid tensor name"),
            std::string::npos);
  EXPECT_NE(error_of([&] { save_safetensors({{"a", x}}, dir.path("no/such/dir/f")); }).find("No such file or directory"),
            std::string::npos);
}

// Every truncation of a valid file raises; corrupting any header byte either raises ramp::Error or
// gives tensors that agree with their own header (never a crash, an overrun or another exception).
TEST(Safetensors, EveryTruncationAndHeaderCorruptionRaisesCleanly) {
  TempDir dir;
  const std::string good = dir.path("good"), bad = dir.path("bad");
  save_safetensors(every_dtype(), good, {{"k", "v"}});
  const std::string bytes = read_bytes(good);
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    write_bytes(bad, bytes.substr(0, len));
    EXPECT_NE(error_of([&] { load_safetensors(bad); }), "") << "truncated to " << len << " bytes";
  }
  std::size_t raised = 0, loaded = 0;
  for (std::size_t at = 0; at < 8 + n; ++at) {
    for (char c : {'\0', '\xff', '{', '}', '"', ',', ':', '[', '9', '0', ' ', 'e', '\x80'}) {
      if (bytes[at] == c) continue;
      std::string b = bytes;
      b[at] = c;
      write_bytes(bad, b);
      try {
        const SafetensorsFile f = read_safetensors(bad);
        for (const auto& [name, t] : f.tensors) EXPECT_LE(t.nbytes(), bytes.size()) << name;
        ++loaded;
      } catch (const Error&) {
        ++raised;
      } catch (const std::exception& e) {
        ADD_FAILURE() << "byte " << at << " = " << int(c) << ": " << e.what();
      }
    }
  }
  EXPECT_GT(raised, 10 * n);  // almost every corruption is caught
  EXPECT_GT(loaded, 0u);      // a few are valid files (a changed name, a space)
}

// ---- IDX ----
std::string idx_header(unsigned char type, std::initializer_list<std::uint32_t> dims) {
  std::string s = {'\0', '\0', char(type), char(dims.size())};
  for (std::uint32_t d : dims)
    for (int k = 3; k >= 0; --k) s += char((d >> (8 * k)) & 0xff);
  return s;
}
template <class U>
std::string be_bytes(U u) {  // the big-endian bytes of an unsigned value
  std::string s;
  for (int k = int(sizeof(U)) - 1; k >= 0; --k) s += char((u >> (8 * k)) & 0xff);
  return s;
}
void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
  gzclose(f);
}

TEST(Idx, ReadsEveryTypeGzippedOrPlain) {
  TempDir dir;
  struct Case {
    std::string bytes;
    ScalarType dtype;
    std::vector<std::int64_t> shape;
    std::vector<double> values;
  };
  float f = -1.25f;
  double d = 6.02e23;
  std::uint32_t fbits;
  std::uint64_t dbits;
  std::memcpy(&fbits, &f, 4);
  std::memcpy(&dbits, &d, 8);
  const std::vector<Case> cases = {
      {idx_header(0x08, {2, 3}) + std::string("\x00\x01\x7f\x80\xfe\xff", 6), ScalarType::UInt8, {2, 3}, {0, 1, 127, 128, 254, 255}},
      {idx_header(0x09, {3}) + std::string("\x80\xff\x05", 3), ScalarType::Int8, {3}, {-128, -1, 5}},
      {idx_header(0x0B, {2}) + be_bytes<std::uint16_t>(0x8000) + be_bytes<std::uint16_t>(300), ScalarType::Int32, {2}, {-32768, 300}},
      {idx_header(0x0C, {1, 2}) + be_bytes<std::uint32_t>(0xfffffffe) + be_bytes<std::uint32_t>(70000), ScalarType::Int32, {1, 2}, {-2, 70000}},
      {idx_header(0x0D, {1}) + be_bytes(fbits), ScalarType::Float32, {1}, {-1.25}},
      {idx_header(0x0E, {1, 1}) + be_bytes(dbits), ScalarType::Float64, {1, 1}, {6.02e23}},
      {idx_header(0x08, {0, 28}), ScalarType::UInt8, {0, 28}, {}},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    for (bool gz : {false, true}) {
      const std::string p = dir.path("c" + std::to_string(i) + (gz ? ".gz" : ""));
      if (gz)
        write_gz(p, cases[i].bytes);
      else
        write_bytes(p, cases[i].bytes);
      const Tensor t = data::read_idx(p);
      EXPECT_EQ(t.dtype(), cases[i].dtype) << p;
      EXPECT_EQ(vec(t.sizes()), cases[i].shape) << p;
      EXPECT_EQ(t.to_vector(), cases[i].values) << p;
    }
  }
}

TEST(Idx, MalformedFilesRaise) {
  TempDir dir;
  const std::string ok = idx_header(0x08, {2, 2}) + "abcd";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string("\x01\x00\x08\x01", 4), "bad magic number"},
      {std::string("\0\0\x0a\x01", 4), "unknown IDX type code 0x0A"},
      {std::string("\0\0\x08", 3), "file too short for the IDX magic number"},
      {idx_header(0x08, {2, 2}).substr(0, 9), "truncated header"},
      {ok.substr(0, ok.size() - 1), "truncated: sizes [2, 2] need 4 bytes of data, the file has 3"},
      {ok + "x", "more data than sizes [2, 2] need"},
      {idx_header(0x0E, {0xffffffff, 0xffffffff, 0xffffffff}), "sizes [4294967295, 4294967295]... are too large"},
      {idx_header(0x08, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}), "13 dimensions"},
      // a plain file cannot hold more than its size: refused before anything is allocated
      {idx_header(0x0E, {1 << 20, 1 << 20}), "truncated: sizes [1048576, 1048576] need 8796093022208 bytes of data, "
                                             "more than the file can hold"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string p = dir.path("bad" + std::to_string(i));
    write_bytes(p, cases[i].first);
    const std::string msg = error_of([&] { data::read_idx(p); });
    EXPECT_NE(msg.find("read_idx: " + p + ": " + cases[i].second), std::string::npos) << i << ": " << msg;
  }
  // Corrupt and truncated gzip streams.
  write_gz(dir.path("ok.gz"), ok + std::string(1000, 'z'));
  std::string gz = read_bytes(dir.path("ok.gz"));
  write_bytes(dir.path("trunc.gz"), gz.substr(0, gz.size() - 12));
  EXPECT_NE(error_of([&] { data::read_idx(dir.path("trunc.gz")); }).find("gzip"), std::string::npos);
  gz[gz.size() - 6] ^= 0x55;  // the CRC / length trailer
  write_bytes(dir.path("crc.gz"), gz);
  EXPECT_NE(error_of([&] { data::read_idx(dir.path("crc.gz")); }), "");
  EXPECT_NE(error_of([&] { data::read_idx(dir.path("none")); }).find("No such file or directory"), std::string::npos);
  // nor a gzip stream more than deflate's largest ratio (1032) times its size
  write_gz(dir.path("big.gz"), idx_header(0x08, {1 << 30}) + "abc");
  EXPECT_NE(error_of([&] { data::read_idx(dir.path("big.gz")); }).find("more than the file can hold"), std::string::npos);
}

TEST(FashionMnist, LoadsBothSplitsFromTheDebianPackage) {
  if (!fs::exists(std::string(data::kFashionMnistRoot) + "/t10k-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  for (bool train : {false, true}) {
    const auto [images, labels] = data::load_fashion_mnist(train);
    const std::int64_t n = train ? 60000 : 10000;
    EXPECT_EQ(vec(images.sizes()), (std::vector<std::int64_t>{n, 1, 28, 28}));
    EXPECT_EQ(images.dtype(), ScalarType::Float32);
    EXPECT_EQ(labels.dtype(), ScalarType::Int64);
    // The dataset is balanced: n / 10 images per class.
    std::vector<std::int64_t> count(10, 0);
    for (double l : labels.to_vector()) count.at(std::size_t(l))++;
    EXPECT_EQ(count, std::vector<std::int64_t>(10, n / 10));
    // Pixels are the raw bytes / 255 in float32.
    const Tensor raw = data::read_idx(std::string(data::kFashionMnistRoot) + (train ? "/train" : "/t10k") +
                                      "-images-idx3-ubyte.gz");
    const float* px = images.data<float>();
    const auto* rb = raw.data<std::uint8_t>();
    for (std::int64_t i = 0; i < raw.numel(); i += 997) ASSERT_EQ(px[i], float(rb[i]) / 255.0f) << i;
  }
  const std::string msg = error_of([] { data::load_fashion_mnist(true, "/nonexistent"); });
  EXPECT_NE(msg.find("/nonexistent/train-images-idx3-ubyte.gz not found; install the Debian package "
                     "dataset-fashion-mnist"),
            std::string::npos)
      << msg;
}

// ---- CSV ----
TEST(Csv, ReadsNumbersHeaderQuotesAndBlankLines) {
  TempDir dir;
  write_bytes(dir.path("a.csv"),
              "x, \"y, z\",w\r\n1.5,-2e3, +7\n\n  0.1 ,\"3\",nan\r\n-inf,1e-50,340282350000000000000000000000000000000\n");
  std::vector<std::string> cols;
  const Tensor t = data::read_csv(dir.path("a.csv"), true, ',', &cols);
  EXPECT_EQ(cols, (std::vector<std::string>{"x", "y, z", "w"}));
  EXPECT_EQ(vec(t.sizes()), (std::vector<std::int64_t>{3, 3}));
  const char* fields[] = {"1.5", "-2e3", "7", "0.1", "3", "nan", "-inf", "1e-50", "340282350000000000000000000000000000000"};
  const float* v = t.data<float>();
  for (int i = 0; i < 9; ++i) {
    const float want = std::strtof(fields[i], nullptr);
    EXPECT_TRUE(v[i] == want || (std::isnan(v[i]) && std::isnan(want))) << fields[i] << " -> " << v[i];
  }
  write_bytes(dir.path("b.csv"), "1;2\n3;4\n");
  const Tensor u = data::read_csv(dir.path("b.csv"), false, ';', &cols);
  EXPECT_EQ(u.to_vector(), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_TRUE(cols.empty());
  write_bytes(dir.path("c.csv"), "a,b\n");
  EXPECT_EQ(vec(data::read_csv(dir.path("c.csv")).sizes()), (std::vector<std::int64_t>{0, 2}));
}

TEST(Csv, BadNumbersAndRaggedRowsNameTheLine) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a,b\n1,2\n3,x4\n", ":3: column 2: could not convert 'x4' to float"},
      {"a,b\n1,2\n\n3\n", ":4: expected 2 fields, found 1"},
      {"a,b\n1,2,3\n", ":2: expected 2 fields, found 3"},
      {"a,b\n1,\n", ":2: column 2: could not convert '' to float"},
      {"a,b\n1,\"2\n", ":2: unterminated quoted field"},
      {"a,b\n1,\"2\"x\n", ":2: text after the closing quote of field 2"},
      {"a,b\n1,0x10\n", ":2: column 2: could not convert '0x10' to float"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string p = dir.path("bad" + std::to_string(i));
    write_bytes(p, cases[i].first);
    const std::string msg = error_of([&] { data::read_csv(p); });
    EXPECT_NE(msg.find("read_csv: " + p + cases[i].second), std::string::npos) << i << ": " << msg;
  }
}

// ---- batches ----
TEST(DataLoader, RandpermIsASeededPermutation) {
  data::Generator g1(7), g2(7), g3(8);
  const auto a = data::randperm(1000, &g1).to_vector(), b = data::randperm(1000, &g2).to_vector();
  EXPECT_EQ(a, b);
  EXPECT_NE(a, data::randperm(1000, &g3).to_vector());
  EXPECT_NE(a, data::randperm(1000, &g1).to_vector());  // the stream moves on
  std::vector<double> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) ASSERT_EQ(sorted[i], double(i));
  EXPECT_EQ(data::randperm(0, &g1).numel(), 0);
  manual_seed(3);
  const auto c = data::randperm(50).to_vector();
  manual_seed(3);
  EXPECT_EQ(c, data::randperm(50).to_vector());
}

TEST(DataLoader, BatchesCoverTheDatasetOnceAndKeepPairsTogether) {
  // Row i of x is (i, i + 0.5); y[i] = i: each batch's x rows must match its y.
  const std::int64_t n = 23;
  std::vector<double> xv;
  for (std::int64_t i = 0; i < n; ++i) xv.insert(xv.end(), {double(i), i + 0.5});
  const Tensor x = from_vector(xv, {n, 2}), y = arange(n);
  for (bool shuffle : {false, true}) {
    for (bool drop_last : {false, true}) {
      data::DataLoader loader(x, y, 5, shuffle, 11, drop_last);
      EXPECT_EQ(loader.size(), drop_last ? 4 : 5);
      std::vector<std::vector<double>> epochs;
      for (int epoch = 0; epoch < 2; ++epoch) {
        std::vector<double> seen;
        std::int64_t batches = 0;
        for (auto [bx, by] : loader) {
          ++batches;
          EXPECT_EQ(bx.size(0), by.size(0));
          EXPECT_EQ(bx.size(0), batches <= 4 ? 5 : 3);
          EXPECT_EQ(by.dtype(), ScalarType::Int64);
          for (std::int64_t r = 0; r < bx.size(0); ++r) {
            const double label = by.at(r);
            EXPECT_EQ(bx.at(2 * r), label);
            EXPECT_EQ(bx.at(2 * r + 1), label + 0.5);
            seen.push_back(label);
          }
        }
        EXPECT_EQ(batches, loader.size());
        epochs.push_back(seen);
        if (!shuffle) {
          for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], double(i));
        }
        std::sort(seen.begin(), seen.end());
        EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());  // no row twice
        EXPECT_EQ(seen.size(), std::size_t(drop_last ? 20 : 23));
      }
      EXPECT_EQ(epochs[0] != epochs[1], shuffle);  // reshuffled every epoch
      // The same seed gives the same epochs; each batch equals randperm's order from that seed.
      data::DataLoader again(x, y, 5, shuffle, 11, drop_last);
      data::Generator g(11);
      const auto order = data::randperm(n, &g).to_vector();
      std::size_t k = 0;
      for (auto [bx, by] : again)
        for (double l : by.to_vector()) EXPECT_EQ(l, shuffle ? order[k++] : double(k++));
    }
  }
  EXPECT_THROW(data::DataLoader(x, y, 0), ValueError);
  EXPECT_NE(error_of([&] { data::DataLoader(x, arange(3), 2); }).find("Size mismatch between tensors"), std::string::npos);
}

}  // namespace
}  // namespace ramp
