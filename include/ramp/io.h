// Weights on disk: the safetensors format (https://github.com/huggingface/safetensors), which
// PyTorch, JAX and NumPy users read with the `safetensors` package.
//
//   ramp::save_safetensors(model.state_dict(), "model.safetensors", {{"epoch", "3"}});
//   auto sd = ramp::load_safetensors("model.safetensors");   // [(name, tensor)] in file order
//
// Layout: an 8-byte little-endian header length N, N bytes of JSON
// {"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [b, e]}, ...}
// (offsets count from the byte after the header), then the tensors' bytes, little-endian and
// row-major, back to back. Dtypes: F32 F64 BF16 I64 I32 U8 I8 BOOL.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ramp/tensor.h"

namespace ramp {

// What nn::Module::state_dict() returns: named tensors in order.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Writes the tensors in the given order (data and header entries both), each as its contiguous
// values; the header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
// Names must be unique, non-empty and not "__metadata__". Raises ramp::Error naming the file when it
// cannot be written (the OS's reason: "No such file or directory", ...).
void save_safetensors(const NamedTensors& tensors, const std::string& path,
                      const std::map<std::string, std::string>& metadata = {});

// A safetensors file's contents: tensors in file-offset order (for a file ramp wrote, the order
// it was saved in; the reference writer sorts by dtype size, then name) and the metadata.
struct SafetensorsFile {
  NamedTensors tensors;
  std::map<std::string, std::string> metadata;
};
// Reads and validates the whole file: a malformed one (truncated, header length past the end,
// invalid JSON, unknown or unsupported dtype, bad shape, offsets out of range, overlapping, with
// gaps or not matching shape * itemsize, duplicate names, BOOL bytes other than 0/1) raises
// ramp::Error "safetensors: <path>: <problem>"; a missing file gives the OS's reason.
SafetensorsFile read_safetensors(const std::string& path);
// The tensors only (file-offset order).
NamedTensors load_safetensors(const std::string& path);

}  // namespace ramp
