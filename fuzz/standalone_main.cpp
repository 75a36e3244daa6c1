// standalone_main.cpp: a main() for fuzz targets built without a fuzzing
// engine (g++, or IP4REF_FUZZ_ENGINE=standalone). It runs every file given,
// and every regular file in every directory given (sorted, not recursive),
// through LLVMFuzzerTestOneInput once, so corpora and regressions run under
// ctest (label `corpus`). Arguments starting with '-' are ignored, so the
// libFuzzer command line `target -runs=0 files...` works unchanged.
//
// Exit status: 0 when every input ran (a finding aborts the process, as under
// libFuzzer), 1 when an input could not be read.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

bool run_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "%s: cannot read\n", path.c_str());
    return false;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  std::fprintf(stderr, "Running: %s (%zu octets)\n", path.c_str(), bytes.size());
  // A copy in its own allocation, so ASan catches reads past the end.
  std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(input.empty() ? nullptr : input.data(), input.size());
  return true;
}

std::vector<std::filesystem::path> inputs_of(const std::filesystem::path& arg) {
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::is_directory(arg)) {
    files.push_back(arg);
    return files;
  }
  for (const auto& entry : std::filesystem::directory_iterator(arg)) {
    if (entry.is_regular_file()) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) {
    LLVMFuzzerInitialize(&argc, &argv);
  }
  std::size_t ran = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') {
      continue;
    }
    for (const auto& file : inputs_of(argv[i])) {
      ok = run_file(file) && ok;
      ++ran;
    }
  }
  std::fprintf(stderr, "standalone: %zu inputs run%s\n", ran, ok ? "" : ", some unreadable");
  return ok ? 0 : 1;
}
