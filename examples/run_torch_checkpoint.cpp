// A model trained in PyTorch, run in C++ without libtorch: SimpleNN's weights from a state dict that
// torch.save wrote, applied to inputs that torch.save wrote too; prints the outputs, one row a line.
//
//   # in PyTorch:  torch.save(model.state_dict(), "simple_nn.pth"); torch.save(x, "input.pt")
//   ./build/ramp_run_torch_checkpoint simple_nn.pth input.pt
#include <cstdio>

#include "ramp/pt.h"
#include "simple_nn.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <state_dict.pth> <input.pt, a [N, 784] float32 tensor>\n", argv[0]);
    return 2;
  }
  try {
    SimpleNN model;
    model.load_state_dict(ramp::load_pt(argv[1]));
    model.eval();
    const ramp::Tensor input = ramp::load_pt_tensor(argv[2]);
    const ramp::Tensor output = model(input);
    for (std::int64_t r = 0; r < output.size(0); ++r) {
      const ramp::Tensor row = output[r];
      for (std::int64_t c = 0; c < row.numel(); ++c) std::printf("%s%.9g", c ? " " : "", row.at(c));
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
