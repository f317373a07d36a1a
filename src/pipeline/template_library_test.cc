#include "pipeline/template_library.h"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/scratch_dir.h"

namespace aiotops::pipeline {
namespace {

using ::testing::HasSubstr;

void write(const std::filesystem::path& path, std::string_view name) {
  std::ofstream(path) << "apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata: "
                         "{name: "
                      << name << "}\nspec:\n  templates:\n  - name: t\n    container: {image: x}\n";
}

TEST(TemplateLibrary, LoadsWorkflowTemplatesFromADirectory) {
  testing::ScratchDir dir("aiotops-templates");
  write(dir / "a.yaml", "alpha");
  write(dir / "b.yml", "beta");
  std::ofstream(dir / "notes.txt") << "not yaml: [";
  auto library = TemplateLibrary::load_directory(dir.path());
  ASSERT_TRUE(library) << library.error().message();
  ASSERT_NE(library->find("alpha"), nullptr);
  ASSERT_NE(library->find("beta"), nullptr);
  EXPECT_EQ(library->find("gamma"), nullptr);

  Workflow scope;
  TaskCall call;
  call.name = "c";
  call.template_ref = TemplateRef{"beta", "t"};
  auto resolved = resolve_call(call, scope, &*library);
  ASSERT_TRUE(resolved) << resolved.error().message();
  EXPECT_EQ(resolved->document, library->find("beta"));
  EXPECT_EQ(resolved->tmpl->name, "t");
}

TEST(TemplateLibrary, RejectsDuplicateNamesNamingBothFiles) {
  testing::ScratchDir dir("aiotops-templates");
  write(dir / "a.yaml", "same");
  write(dir / "b.yaml", "same");
  auto library = TemplateLibrary::load_directory(dir.path());
  ASSERT_FALSE(library);
  EXPECT_EQ(library.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_THAT(library.error().message(), HasSubstr("b.yaml:1: WorkflowTemplate 'same'"));
  EXPECT_THAT(library.error().message(), HasSubstr("a.yaml:1"));
}

TEST(TemplateLibrary, ReportsBadFilesAndMissingDirectories) {
  testing::ScratchDir dir("aiotops-templates");
  std::ofstream(dir / "bad.yaml") << "apiVersion: [\n";
  auto library = TemplateLibrary::load_directory(dir.path());
  ASSERT_FALSE(library);
  EXPECT_THAT(library.error().message(), HasSubstr("bad.yaml"));
  auto missing = TemplateLibrary::load_directory(dir / "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST(TemplateLibrary, ResolvesPlainTemplatesInTheCallersDocument) {
  Workflow scope;
  Template local;
  local.name = "local";
  scope.templates.push_back(local);
  TaskCall call;
  call.name = "c";
  call.template_name = "local";
  auto resolved = resolve_call(call, scope, nullptr);
  ASSERT_TRUE(resolved);
  EXPECT_EQ(resolved->tmpl, &scope.templates[0]);
  call.template_ref = TemplateRef{"x", "y"};
  auto both = resolve_call(call, scope, nullptr);
  ASSERT_FALSE(both);
  EXPECT_THAT(both.error().message(), HasSubstr("task 'c': sets both template and templateRef"));
  call.template_name.clear();
  call.template_ref.reset();
  auto neither = resolve_call(call, scope, nullptr);
  ASSERT_FALSE(neither);
  EXPECT_THAT(neither.error().message(), HasSubstr("needs template or templateRef"));
}

}  // namespace
}  // namespace aiotops::pipeline
