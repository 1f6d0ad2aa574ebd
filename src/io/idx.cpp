// IDX files through zlib's gz* functions, which read gzip and plain files alike. The values are
// read straight into the tensor, allocated only when the file can hold that much data (a plain file
// its size, a gzip stream at most 1032 times its size: deflate's largest ratio), so a corrupt header
// announcing huge sizes cannot make ramp allocate more than the file could contain.
#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "../tensor/parallel.h"
#include "file.h"
#include "ramp/data.h"

namespace ramp::data {
namespace {

constexpr const char* kWhat = "read_idx";

// An open gz stream; closes itself.
class GzFile {
 public:
  explicit GzFile(const std::string& path) : path_(path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) io::fail(kWhat, path, io::os_error(errno));
    if (S_ISDIR(st.st_mode)) io::fail(kWhat, path, io::os_error(EISDIR));
    file_size_ = std::uint64_t(st.st_size);
    errno = 0;
    f_ = gzopen(path.c_str(), "rb");
    if (!f_) io::fail(kWhat, path, io::os_error(errno ? errno : ENOMEM));
    gzbuffer(f_, 1 << 20);
  }
  ~GzFile() { gzclose(f_); }
  // The most uncompressed bytes the file can hold (valid after the first read).
  std::uint64_t capacity() const { return gzdirect(f_) ? file_size_ : file_size_ * 1032 + 1024; }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  // Reads up to n bytes; fewer only at the end of the data. A corrupt or truncated gzip stream raises.
  std::size_t read(void* dst, std::size_t n) {
    std::size_t total = 0;
    while (total < n) {
      const unsigned chunk = unsigned(std::min<std::size_t>(n - total, 1u << 30));
      const int got = gzread(f_, static_cast<char*>(dst) + total, chunk);
      int err = Z_OK;
      const char* msg = gzerror(f_, &err);
      if (got < 0 || (err != Z_OK && err != Z_STREAM_END))
        io::fail(kWhat, path_, "corrupt or truncated gzip data (zlib: ", err == Z_ERRNO ? io::os_error(errno) : std::string(msg), ")");
      total += std::size_t(got);
      if (std::size_t(got) < chunk) break;
    }
    return total;
  }

 private:
  std::string path_;
  std::uint64_t file_size_ = 0;
  gzFile f_ = nullptr;
};

struct IdxType {
  unsigned char code;
  std::size_t bytes;  // in the file
  ScalarType dtype;   // in ramp
};
constexpr IdxType kTypes[] = {{0x08, 1, ScalarType::UInt8},   {0x09, 1, ScalarType::Int8},
                              {0x0B, 2, ScalarType::Int32},   {0x0C, 4, ScalarType::Int32},
                              {0x0D, 4, ScalarType::Float32}, {0x0E, 8, ScalarType::Float64}};

// Big-endian `bytes`-wide values (signed integers or IEEE floats) into `out`'s elements; src may be
// out's own memory (each element is read whole before it is written).
template <class T>
void decode(const unsigned char* src, std::size_t bytes, T* out, std::int64_t n) {
  detail::parallel_for(n, 1 << 16, 1, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) {
      const unsigned char* p = src + std::size_t(i) * bytes;
      std::uint64_t u = 0;
      for (std::size_t k = 0; k < bytes; ++k) u = u << 8 | p[k];
      if constexpr (std::is_floating_point_v<T>) {
        if constexpr (sizeof(T) == 4) {
          const auto w = std::uint32_t(u);
          std::memcpy(&out[i], &w, 4);
        } else {
          std::memcpy(&out[i], &u, 8);
        }
      } else if (bytes == 1) {
        out[i] = T(std::is_signed_v<T> ? std::int64_t(std::int8_t(u)) : std::int64_t(u));
      } else {  // sign-extend the 16- or 32-bit value
        const int shift = 64 - int(bytes) * 8;
        out[i] = T(std::int64_t(u << shift) >> shift);
      }
    }
  });
}

}  // namespace

Tensor read_idx(const std::string& path) {
  GzFile f(path);
  unsigned char magic[4];
  if (f.read(magic, 4) != 4) io::fail(kWhat, path, "file too short for the IDX magic number");
  if (magic[0] != 0 || magic[1] != 0)
    io::fail(kWhat, path, "bad magic number (the first two bytes must be 0; not an IDX file)");
  const IdxType* type = nullptr;
  for (const auto& t : kTypes)
    if (t.code == magic[2]) type = &t;
  if (!type) {
    char code[8];
    std::snprintf(code, sizeof code, "0x%02X", unsigned(magic[2]));
    io::fail(kWhat, path, "unknown IDX type code ", code, " (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)");
  }
  const int ndim = magic[3];
  if (ndim > kMaxDims) io::fail(kWhat, path, ndim, " dimensions; ramp tensors have at most ", kMaxDims);
  unsigned char dims_bytes[4 * kMaxDims];
  if (f.read(dims_bytes, std::size_t(4 * ndim)) != std::size_t(4 * ndim))
    io::fail(kWhat, path, "truncated header: ", ndim, " dimension sizes expected");
  Dims sizes;
  std::uint64_t count = 1;
  for (int d = 0; d < ndim; ++d) {
    const unsigned char* p = dims_bytes + 4 * d;
    const std::uint64_t s = std::uint64_t(p[0]) << 24 | std::uint64_t(p[1]) << 16 | std::uint64_t(p[2]) << 8 | p[3];
    sizes.push_back(std::int64_t(s));
    if (__builtin_mul_overflow(count, s, &count) || count > (std::uint64_t(1) << 60) / type->bytes)
      io::fail(kWhat, path, "sizes ", shape_str(sizes), "... are too large");
  }
  const std::uint64_t want = count * type->bytes;
  if (want > f.capacity())
    io::fail(kWhat, path, "truncated: sizes ", shape_str(sizes), " need ", want, " bytes of data, more than the file can hold");
  Tensor out = empty(sizes, type->dtype);
  // Values as wide in the file as in ramp are read in place; int16 goes through a buffer.
  const bool in_place = type->bytes == out.element_size();
  std::unique_ptr<unsigned char[]> buffer(in_place ? nullptr : new unsigned char[std::size_t(want)]);
  unsigned char* raw = in_place ? static_cast<unsigned char*>(out.data_ptr()) : buffer.get();
  const std::size_t got = f.read(raw, std::size_t(want));
  if (got < want)
    io::fail(kWhat, path, "truncated: sizes ", shape_str(sizes), " need ", want, " bytes of data, the file has ", got);
  unsigned char extra;
  if (f.read(&extra, 1) != 0)
    io::fail(kWhat, path, "more data than sizes ", shape_str(sizes), " need (", want, " bytes): not an IDX file?");
  if (type->bytes > 1) {
    dispatch(type->dtype, [&](auto v) {
      using T = decltype(v);
      if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>)
        decode(raw, type->bytes, static_cast<T*>(out.data_ptr()), out.numel());
    });
  }
  return out;
}

}  // namespace ramp::data
