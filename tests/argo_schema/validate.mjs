// Validates Argo documents against the Argo Workflows v4 API types (apiVersion
// argoproj.io/v1alpha1, package @kubernetes-models/argo-workflows 2.0.0, generated from
// github.com/argoproj/argo-workflows/v4/pkg/apis/workflow/v1alpha1).
//   node validate.mjs <dir holding node_modules> FILE.yaml...
// Reads each file's documents with js-yaml (YAML 1.2, independent of aiotops's reader), prints
// one line per document ("ok <kind> <name>" or the validation errors) and exits 1 when any
// document is invalid, 2 on a usage or read error.
import fs from "node:fs";
import path from "node:path";

const [modulesDir, ...files] = process.argv.slice(2);
if (!modulesDir || files.length === 0) {
  console.error("usage: node validate.mjs <dir holding node_modules> FILE.yaml...");
  process.exit(2);
}
const modules = path.join(path.resolve(modulesDir), "node_modules");
const yaml = (await import(path.join(modules, "js-yaml/index.js"))).default;
const models = path.join(modules, "@kubernetes-models/argo-workflows/argoproj.io/v1alpha1");
const kinds = {};
for (const kind of ["Workflow", "CronWorkflow", "WorkflowTemplate"]) {
  kinds[kind] = (await import(path.join(models, `${kind}.js`)))[kind];
}

// A steps template's `steps` is a list of lists on the wire; in Go, ParallelSteps is a struct whose
// JSON (un)marshaller reads and writes that inner list, which the generated types do not model.
// So each inner list is wrapped the way that struct holds it before validation; its steps are
// still checked as WorkflowSteps.
function as_generated_types(document) {
  const copy = structuredClone(document);
  const spec = copy.kind === "CronWorkflow" ? copy.spec?.workflowSpec : copy.spec;
  for (const template of spec?.templates ?? []) {
    if (Array.isArray(template.steps)) {
      template.steps = template.steps.map((group) => (Array.isArray(group) ? { steps: group } : group));
    }
  }
  return copy;
}

let invalid = 0;
for (const file of files) {
  for (const document of yaml.loadAll(fs.readFileSync(file, "utf8"))) {
    if (document === null || document === undefined) continue;
    const name = document.metadata?.name ?? document.metadata?.generateName;
    const Model = kinds[document.kind];
    if (!Model) {
      console.log(`${file}: kind '${document.kind}' is not Workflow, CronWorkflow or WorkflowTemplate`);
      invalid++;
      continue;
    }
    try {
      new Model(as_generated_types(document)).validate();
      console.log(`ok ${document.kind} ${name}`);
    } catch (error) {
      console.log(`${file}: ${document.kind} ${name}: ${error.message}`);
      invalid++;
    }
  }
}
process.exit(invalid === 0 ? 0 : 1);
