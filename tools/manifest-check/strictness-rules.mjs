// exflow's rules beyond the upstream schemas: what the API server checks in its own validation
// code (not in its OpenAPI document) and what an operator parses at run time, so that a manifest
// that would be rejected at apply time, or silently mean something else, fails in the tests.
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";

// Kubernetes' object-name and label syntax (apimachinery validation: DNS-1123 subdomain and
// label, qualified names, label values).
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

// Workload APIs whose spec.template is a pod template, with labels the API server checks. (An
// Argo CD ApplicationSet's template is a Go template, rendered before it is applied.)
const POD_TEMPLATE_OWNERS = new Set(["apps/v1", "batch/v1"]);

// Fields holding a port number; the schemas type them int32, the API server wants 1-65535.
const PORT_FIELDS = new Set(["containerPort", "hostPort", "port", "targetPort", "nodePort", "endPort"]);

const kedaScalerMetadata = new Ajv2020({ allErrors: true, strict: false })
  .compile(JSON.parse(readFileSync(new URL("./keda-scaler-metadata.json", import.meta.url), "utf8")));

/** Problems of one object, each "$.path: message". */
export function strictnessProblems(object) {
  const problems = [];
  const add = (path, message) => problems.push(`${path}: ${message}`);
  objectMeta(object?.metadata, "$.metadata", add);
  const serviceName = object?.metadata?.name;
  if (object?.apiVersion === "v1" && object?.kind === "Service" && typeof serviceName === "string"
      && (serviceName.length > 63 || !DNS1035_LABEL.test(serviceName))) {
    // A Service name becomes a DNS label, so it must start with a letter.
    add("$.metadata.name", `'${serviceName}' is not a valid Service name (DNS label starting with a letter: a-z, 0-9, '-', at most 63)`);
  }
  if (POD_TEMPLATE_OWNERS.has(object?.apiVersion)) {
    labels(object?.spec?.template?.metadata?.labels, "$.spec.template.metadata.labels", add);
  }
  walk(object, "$", (value, path, key) => {
    if (key === "matchLabels") {
      labels(value, path, add);
    }
    if (PORT_FIELDS.has(key) && Number.isInteger(value) && (value < 1 || value > 65535)) {
      add(path, `${value} is not a port number (1-65535)`);
    }
  });
  if (object?.apiVersion === "keda.sh/v1alpha1" && object?.kind === "ScaledObject") {
    scaledObject(object.spec ?? {}, add);
  }
  return problems;
}

function objectMeta(metadata, path, add) {
  if (!metadata || typeof metadata !== "object") {
    return;
  }
  const { name, namespace } = metadata;
  if (typeof name === "string" && (name.length > 253 || !DNS1123_SUBDOMAIN.test(name))) {
    add(`${path}.name`, `'${name}' is not a valid object name (lower-case DNS subdomain: a-z, 0-9, '-', '.', at most 253)`);
  }
  if (typeof namespace === "string" && (namespace.length > 63 || !DNS1123_LABEL.test(namespace))) {
    add(`${path}.namespace`, `'${namespace}' is not a valid namespace (lower-case DNS label: a-z, 0-9, '-', at most 63)`);
  }
  labels(metadata.labels, `${path}.labels`, add);
  for (const key of Object.keys(metadata.annotations ?? {})) {
    qualifiedKey(key, `${path}.annotations`, add);
  }
}

function labels(map, path, add) {
  for (const [key, value] of Object.entries(map ?? {})) {
    qualifiedKey(key, path, add);
    if (typeof value === "string" && (value.length > 63 || !LABEL_VALUE.test(value))) {
      add(memberPath(path, key), `'${value}' is not a valid label value (at most 63 of A-Z, a-z, 0-9, '-', '_', '.', alphanumeric at both ends)`);
    }
  }
}

function qualifiedKey(key, path, add) {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : null;
  const name = key.slice(slash + 1);
  const prefixOk = prefix === null || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix));
  if (!prefixOk || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    add(memberPath(path, key), "is not a valid key ([DNS-subdomain prefix/]name, the name at most 63 of A-Z, a-z, 0-9, '-', '_', '.')");
  }
}

/** KEDA: replica bounds its webhook enforces, and each trigger's metadata as its scaler parses it. */
function scaledObject(spec, add) {
  for (const [field, minimum] of [["minReplicaCount", 0], ["idleReplicaCount", 0], ["maxReplicaCount", 1], ["pollingInterval", 1], ["cooldownPeriod", 0]]) {
    if (Number.isInteger(spec[field]) && spec[field] < minimum) {
      add(`$.spec.${field}`, `${spec[field]} is below ${minimum}`);
    }
  }
  (Array.isArray(spec.triggers) ? spec.triggers : []).forEach((trigger, i) => {
    if (kedaScalerMetadata(trigger)) {
      return;
    }
    for (const error of kedaScalerMetadata.errors) {
      let path = error.instancePath.split("/").slice(1).reduce(memberPath, `$.spec.triggers[${i}]`);
      let message = error.message;
      if (error.keyword === "if") {
        continue;
      } else if (error.keyword === "additionalProperties") {
        path = memberPath(path, error.params.additionalProperty);
        message = `not a key of KEDA's ${trigger.type} scaler, which ignores unknown keys`;
      } else if (error.keyword === "required") {
        path = memberPath(path, error.params.missingProperty);
        message = `is required by KEDA's ${trigger.type} scaler`;
      } else if (error.keyword === "enum") {
        message = `must be one of ${error.params.allowedValues.join(", ")}`;
      }
      add(path, message);
    }
  });
}

/** Calls visit(value, path, key) for every member of every object and array under value. */
function walk(value, path, visit) {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      visit(item, `${path}[${i}]`, null);
      walk(item, `${path}[${i}]`, visit);
    });
  } else if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      const childPath = memberPath(path, key);
      visit(child, childPath, key);
      walk(child, childPath, visit);
    }
  }
}

/** The path of member key of the object at path: "$.a.b", or "$.a['app.kubernetes.io/name']". */
export function memberPath(path, key) {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `${path}.${key}` : `${path}['${key}']`;
}
