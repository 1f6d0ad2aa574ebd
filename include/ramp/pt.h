// PyTorch's checkpoint format (what torch.save writes since 1.6), read and written without libtorch:
// a model trained in PyTorch runs in a C++ program.
//
//   auto sd = ramp::load_pt("model.pth");          // torch.save(model.state_dict(), "model.pth")
//   model.load_state_dict(sd);
//   ramp::Tensor t = ramp::load_pt_tensor("t.pt");  // torch.save(tensor, "t.pt")
//   ramp::save_pt(model.state_dict(), "model.pth"); // torch.load reads it
//
// The file is a zip archive of stored (uncompressed) entries under one folder <name>/:
//   <name>/data.pkl   a pickle (protocol 2) of the object; each tensor is
//                     torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)
//                     and each storage a persistent id ('storage', torch.FloatStorage, key, location, numel)
//   <name>/data/<key> the storage's bytes, little-endian, the data 64-byte aligned in the file
//   <name>/version    "3\n"
// Python's ramp.save/ramp.load (python/ramp/serialization.py) read and write any picklable mix of
// containers, numbers and tensors; C++ reads and writes state dicts ({name: tensor}) and single tensors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ramp/io.h"
#include "ramp/tensor.h"

namespace ramp {

// A state dict torch.save wrote (a dict, or OrderedDict, of str -> tensor), in the file's order.
// Tensors that shared a storage when saved share one here. Every storage loads onto the CPU, whatever
// device it was saved from (torch.load's map_location="cpu"). A malformed file, a pickle that
// names anything but torch's tensor globals, or a dict holding other values raises ramp::Error
// "load_pt: <path>: <problem>"; a missing file gives the OS's reason.
NamedTensors load_pt(const std::string& path);
// The tensor that torch.save(tensor, path) wrote.
Tensor load_pt_tensor(const std::string& path);
// Writes a state dict as torch.save(OrderedDict(tensors), path) does (tensors sharing a storage stay
// shared; the storage is written whole, as torch does); torch.load reads it.
void save_pt(const NamedTensors& tensors, const std::string& path);

// The pieces Python's ramp.load shares with load_pt.
namespace pt {
// torch's storage class for a dtype ("FloatStorage") and back; nullopt for a class ramp cannot hold.
const char* storage_type_name(ScalarType t);
std::optional<ScalarType> storage_type_dtype(std::string_view name);
// Whether `name` is one of torch's storage classes (HalfStorage too, which ramp cannot hold).
bool is_storage_type(std::string_view name);
// A 1-D tensor of the storage's `nbytes / element_size` elements, copied from `data`; raises when
// nbytes is not a multiple of the element size or a bool byte is not 0 or 1.
Tensor storage_from_bytes(const void* data, std::uint64_t nbytes, ScalarType dtype);
// The check storage_from_bytes makes, for a storage read in place: raises on a bool byte not 0 or 1.
void check_storage(const Tensor& storage);
// torch._utils._rebuild_tensor: the view of `storage` (a 1-D tensor from storage_from_bytes) at
// `offset` with `sizes` and `strides`, checked to lie inside the storage (non-negative sizes,
// strides and offset, no overflow, at most kMaxDims dims).
Tensor rebuild_tensor(const Tensor& storage, std::int64_t offset, IntArrayRef sizes, IntArrayRef strides);
}  // namespace pt

}  // namespace ramp
