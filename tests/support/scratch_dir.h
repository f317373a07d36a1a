#pragma once
// A fresh, uniquely named temporary directory for one test (mkdtemp), removed with everything in
// it when the object goes. Names built from a pid or a seed collide when CTest runs the tests of
// one binary as parallel processes; mkdtemp's never do. Not thread-safe; one owner.

#include <filesystem>
#include <string_view>

namespace aiotops::testing {

class ScratchDir {
 public:
  // Creates $TMPDIR/<stem>-XXXXXX; aborts the test program if the directory cannot be made (a
  // test without its scratch space cannot say anything meaningful).
  explicit ScratchDir(std::string_view stem = "aiotops-test");
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path& name) const { return path_ / name; }
  operator const std::filesystem::path&() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace aiotops::testing
