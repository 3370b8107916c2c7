// Validates Kubernetes manifests (YAML or JSON, several documents per file) the way exflow's
// deployment checks need: each object against the model of its apiVersion and kind from the
// packages generated from the upstream schemas (kubernetes-models: the Kubernetes OpenAPI;
// @kubernetes-models/keda, /argo-cd, /prometheus-operator: those projects' CRDs), then
//   - closed objects: a field the model's schema does not declare is an error (the API server
//     drops it silently, so a misspelled probe or setting would vanish without a word);
//   - the extra rules of strictness-rules.mjs (what the API server or an operator enforces
//     outside the schemas: name syntax, port ranges, KEDA scaler metadata).
// A kind that no package models (Strimzi's KafkaTopic) is validated against the hand-written
// schema in schemas/ that lists it in x-kinds; a kind found nowhere is an error.
//
// Usage: node check-manifests.mjs FILE...
// Prints one problem a line, "Kind/name: $.path: message"; exits 0 when there is none, 1 when
// there are problems, 2 when a file cannot be read or parsed or the checker itself fails.
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { parseAllDocuments } from "yaml";
import Ajv2020 from "ajv/dist/2020.js";
import { memberPath, strictnessProblems } from "./strictness-rules.mjs";

const require = createRequire(import.meta.url);

/** The model packages, in lookup order, with the versions that are installed (named in messages). */
const MODEL_PACKAGES = ["kubernetes-models", "@kubernetes-models/keda", "@kubernetes-models/argo-cd", "@kubernetes-models/prometheus-operator"]
  .map((name) => ({ name, version: require(`${name}/package.json`).version }));

const HAND_WRITTEN = new URL("./schemas/", import.meta.url);

/**
 * The packages' generator drops every property named "description" from the compiled schemas
 * (it strips the description keyword, and a property of that name with it): the type
 * declarations of AppProject.spec or PriorityClass have it, no validator reads it. So a member of
 * that name is taken as declared rather than reported.
 */
const UNCOMPILED_PROPERTY = "description";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node check-manifests.mjs FILE...");
  process.exit(2);
}
try {
  const handWritten = loadHandWrittenSchemas();
  const problems = [];
  for (const file of files) {
    for (const object of readObjects(file)) {
      const where = `${object?.kind}/${object?.metadata?.name}`;
      for (const problem of await check(object, handWritten)) {
        problems.push(`${where}: ${problem}`);
      }
    }
  }
  for (const problem of problems) {
    console.log(problem);
  }
  process.exitCode = problems.length === 0 ? 0 : 1;
} catch (e) {
  // Exit 1 means "problems found"; a failure of the checker itself must not look like that.
  console.error(e.stack ?? String(e));
  process.exitCode = 2;
}

function readObjects(file) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read ${file}: ${e.message}`);
  }
  const objects = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) {
      objects.push(value);
    }
  }
  return objects;
}

/** Problems of one object, each "$.path: message". */
async function check(object, handWritten) {
  const { apiVersion, kind } = object ?? {};
  const validator = (await modelValidator(apiVersion, kind)) ?? handWritten.get(`${apiVersion} ${kind}`);
  if (!validator) {
    return [`no model for ${apiVersion} ${kind} in ${MODEL_PACKAGES.map((p) => p.name).join(", ")} `
      + `and no hand-written schema in tools/manifest-check/schemas`];
  }
  const { proxy, probes } = trackReads(object);
  const errors = validator.validate(proxy);
  return [...new Set([
    ...schemaMessages(object, errors),
    ...undeclaredFields(object, "$", probes).map((path) => `${path}: unknown field, not in the schema of ${apiVersion} ${kind} (${validator.source})`),
    ...strictnessProblems(object),
  ])];
}

/**
 * The validate function of the model class for apiVersion/kind, from the first package that
 * exports it (each package exports its classes per group and version, e.g. "kubernetes-models/apps/v1").
 */
async function modelValidator(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    return undefined;
  }
  for (const pkg of MODEL_PACKAGES) {
    let module;
    try {
      module = await import(`${pkg.name}/${apiVersion}`);
    } catch (e) {
      if (e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED" || e.code === "ERR_MODULE_NOT_FOUND") {
        continue;
      }
      throw e;
    }
    const model = module[kind];
    if (model && model.apiVersion === apiVersion && model.kind === kind) {
      return {
        source: `${pkg.name} ${pkg.version}`,
        // The model's validate() runs the package's compiled schema on `this` and throws a
        // ValidationError holding ajv's error objects.
        validate(data) {
          try {
            model.prototype.validate.call(data);
            return [];
          } catch (e) {
            if (Array.isArray(e.errors)) {
              return e.errors;
            }
            throw e;
          }
        },
      };
    }
  }
  return undefined;
}

/** The schemas of schemas/*.json, by "apiVersion kind" of their x-kinds. */
function loadHandWrittenSchemas() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const byKind = new Map();
  for (const file of readdirSync(HAND_WRITTEN).filter((f) => f.endsWith(".json"))) {
    const schema = JSON.parse(readFileSync(new URL(file, HAND_WRITTEN), "utf8"));
    const kinds = schema["x-kinds"];
    if (!Array.isArray(kinds)) {
      continue;
    }
    delete schema["x-kinds"];
    const compiled = ajv.compile(schema);
    const validator = {
      source: `tools/manifest-check/schemas/${file}`,
      validate(data) {
        return compiled(data) ? [] : compiled.errors;
      },
    };
    for (const { apiVersion, kind } of kinds) {
      byKind.set(`${apiVersion} ${kind}`, validator);
    }
  }
  return byKind;
}

/**
 * Wraps the object so that every property a validator reads, tests or enumerates is recorded
 * for the object it belongs to. A compiled schema (ajv, with all errors) reads each property its
 * schema declares, present or not, and enumerates the keys of maps (additionalProperties); so the
 * keys of an object that were never read are fields its schema does not declare.
 */
function trackReads(root) {
  const probes = new WeakMap();
  const proxies = new WeakMap();
  const wrap = (value) => {
    if (value === null || typeof value !== "object") {
      return value;
    }
    let proxy = proxies.get(value);
    if (proxy) {
      return proxy;
    }
    const record = { read: new Set(), enumerated: false };
    probes.set(value, record);
    proxy = new Proxy(value, {
      get(target, key) {
        if (typeof key === "string") {
          record.read.add(key);
        }
        return wrap(Reflect.get(target, key));
      },
      has(target, key) {
        if (typeof key === "string") {
          record.read.add(key);
        }
        return Reflect.has(target, key);
      },
      getOwnPropertyDescriptor(target, key) {
        if (typeof key === "string") {
          record.read.add(key);
        }
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
      ownKeys(target) {
        record.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  return { proxy: wrap(root), probes };
}

/**
 * Paths of fields the schema does not declare. An object whose keys were enumerated is a map
 * (its keys are the schema's to judge); one the validator reached but read nothing of is
 * free-form in the schema (x-kubernetes-preserve-unknown-fields, or no properties listed) and is
 * not judged; one it never reached sits under such an object or under an unknown field.
 */
function undeclaredFields(value, path, probes) {
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => undeclaredFields(item, `${path}[${i}]`, probes));
  }
  if (value === null || typeof value !== "object") {
    return [];
  }
  const record = probes.get(value);
  if (!record || (!record.enumerated && record.read.size === 0)) {
    return [];
  }
  const found = [];
  for (const [key, child] of Object.entries(value)) {
    const childPath = memberPath(path, key);
    if (record.enumerated || record.read.has(key) || key === UNCOMPILED_PROPERTY) {
      found.push(...undeclaredFields(child, childPath, probes));
    } else {
      found.push(childPath);
    }
  }
  return found;
}

/** ajv's errors as "$.path: message", the messages of one path joined. */
function schemaMessages(object, errors) {
  const byPath = new Map();
  for (const error of errors.filter((e) => e.keyword !== "if")) {
    let path = jsonPath(object, error.instancePath);
    let message = error.message;
    if (error.keyword === "required") {
      path = memberPath(path, error.params.missingProperty);
      message = "is required";
    } else if (error.keyword === "additionalProperties") {
      path = memberPath(path, error.params.additionalProperty);
      message = "is not allowed";
    } else if (error.keyword === "enum") {
      message = `must be one of ${error.params.allowedValues.join(", ")}`;
    }
    const messages = byPath.get(path) ?? new Set();
    messages.add(message);
    byPath.set(path, messages);
  }
  return [...byPath].map(([path, messages]) => `${path}: ${[...messages].join("; ")}`);
}

/** A JSON pointer into object as "$.a.b[0]['c/d']". */
function jsonPath(object, pointer) {
  let path = "$";
  let node = object;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    path = Array.isArray(node) ? `${path}[${key}]` : memberPath(path, key);
    node = node?.[key];
  }
  return path;
}
