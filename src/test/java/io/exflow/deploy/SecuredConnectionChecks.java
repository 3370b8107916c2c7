package io.exflow.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The Kafka and Redis security a role's Deployment uses is the one KEDA uses to watch it:
 * each Kafka trigger's {@code sasl}/{@code tls} match the Deployment's KAFKA_SECURITY_PROTOCOL
 * and KAFKA_SASL_MECHANISM; the TriggerAuthentication's username, password and CA are the same
 * Secret keys the Deployment reads KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and the file of
 * KAFKA_SSL_TRUSTSTORE_LOCATION from; for Redis over TLS, KEDA's {@code tls} is set and its
 * {@code ca} is the Secret key behind REDIS_TLS_CA_FILE. Names are the ones docs/configuration.md
 * documents.
 */
final class SecuredConnectionChecks {
    /** KAFKA_SASL_MECHANISM → KEDA's {@code sasl} value. */
    private static final Map<String, String> KEDA_SASL = Map.of("PLAIN", "plaintext", "SCRAM-SHA-256", "scram_sha256",
            "SCRAM-SHA-512", "scram_sha512", "OAUTHBEARER", "oauthbearer", "GSSAPI", "gssapi");

    private final List<JsonNode> docs;
    private final List<String> problems = new ArrayList<>();

    private SecuredConnectionChecks(List<JsonNode> docs) {
        this.docs = docs;
    }

    static List<String> check(String role, JsonNode deployment, Map<String, String> env, List<JsonNode> docs) {
        SecuredConnectionChecks checks = new SecuredConnectionChecks(docs);
        Optional<JsonNode> scaledObject = Yaml.find(docs, "ScaledObject", DeployContract.deploymentName(role));
        if (DeployContract.consumesKafka(role) && scaledObject.isPresent()) {
            checks.kafka(deployment, env, scaledObject.get());
        }
        if (DeployContract.REDIS_ROLES.contains(role)) {
            checks.redis(deployment, env);
        }
        return checks.problems;
    }

    private void kafka(JsonNode deployment, Map<String, String> env, JsonNode scaledObject) {
        String name = Yaml.kindAndName(deployment);
        String protocol = env.getOrDefault("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").toUpperCase(Locale.ROOT);
        boolean sasl = protocol.startsWith("SASL_");
        boolean tls = protocol.equals("SSL") || protocol.equals("SASL_SSL");
        String mechanism = env.getOrDefault("KAFKA_SASL_MECHANISM", "GSSAPI").toUpperCase(Locale.ROOT);
        String expectedSasl = sasl ? KEDA_SASL.getOrDefault(mechanism, mechanism) : "none";
        String expectedTls = tls ? "enable" : "disable";
        Map<String, JsonNode> env0 = envEntries(deployment);
        for (JsonNode trigger : scaledObject.path("spec").path("triggers")) {
            if (!"kafka".equals(trigger.path("type").asText())) {
                continue;
            }
            String where = Yaml.kindAndName(scaledObject) + " trigger on " + trigger.path("metadata").path("topic").asText();
            String triggerSasl = trigger.path("metadata").path("sasl").asText("none");
            String triggerTls = trigger.path("metadata").path("tls").asText("disable");
            if (!expectedSasl.equals(triggerSasl)) {
                problem("%s: sasl %s, but %s connects with KAFKA_SECURITY_PROTOCOL=%s KAFKA_SASL_MECHANISM=%s (KEDA: %s)", where,
                        triggerSasl, name, protocol, mechanism, expectedSasl);
            }
            if (!expectedTls.equals(triggerTls)) {
                problem("%s: tls %s, but %s connects with KAFKA_SECURITY_PROTOCOL=%s (KEDA: tls %s)", where, triggerTls, name,
                        protocol, expectedTls);
            }
            Map<String, String> auth = authentication(trigger);
            if (sasl && env0.containsKey("KAFKA_SASL_USERNAME")) {
                same(where, auth, "username", secretRef(env0.get("KAFKA_SASL_USERNAME")), name + " KAFKA_SASL_USERNAME");
                same(where, auth, "password", secretRef(env0.get("KAFKA_SASL_PASSWORD")), name + " KAFKA_SASL_PASSWORD");
            } else if (sasl && !env0.containsKey("KAFKA_SASL_JAAS_CONFIG")) {
                problem("%s uses SASL but sets neither KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD nor KAFKA_SASL_JAAS_CONFIG", name);
            }
            if (tls && env.containsKey("KAFKA_SSL_TRUSTSTORE_LOCATION")) {
                same(where, auth, "ca", mountedSecretKey(deployment, env.get("KAFKA_SSL_TRUSTSTORE_LOCATION")),
                        name + " KAFKA_SSL_TRUSTSTORE_LOCATION");
            }
        }
    }

    private void redis(JsonNode deployment, Map<String, String> env) {
        String caFile = env.get("REDIS_TLS_CA_FILE");
        Optional<JsonNode> authentication = Yaml.find(docs, "TriggerAuthentication", "exflow-redis");
        if (caFile == null || authentication.isEmpty()) {
            return;
        }
        String name = Yaml.kindAndName(deployment);
        String where = Yaml.kindAndName(authentication.get());
        Map<String, String> auth = parameters(authentication.get());
        if (!auth.containsKey("tls")) {
            problem("%s has no tls parameter, but %s talks TLS to Redis (REDIS_TLS_CA_FILE)", where, name);
        }
        same(where, auth, "ca", mountedSecretKey(deployment, caFile), name + " REDIS_TLS_CA_FILE");
        String url = secretRef(envEntries(deployment).get("REDIS_URL"));
        String password = auth.get("password");
        if (url != null && password != null && !url.split("/")[0].equals(password.split("/")[0])) {
            problem("%s: password comes from %s, but REDIS_URL of %s from %s: one Secret must hold both", where, password, name, url);
        }
    }

    /** Secret/key of a TriggerAuthentication parameter equals the one the Deployment reads. */
    private void same(String where, Map<String, String> auth, String parameter, String expected, String what) {
        if (expected == null) {
            problem("%s: %s does not come from a Secret, so KEDA cannot read the same %s", where, what, parameter);
        } else if (!expected.equals(auth.get(parameter))) {
            problem("%s: KEDA's %s is %s, but %s is %s", where, parameter, auth.getOrDefault(parameter, "not set"), what, expected);
        }
    }

    private Map<String, String> authentication(JsonNode trigger) {
        String ref = Yaml.text(trigger, "authenticationRef/name");
        return ref == null ? Map.of() : Yaml.find(docs, "TriggerAuthentication", ref).map(SecuredConnectionChecks::parameters).orElse(Map.of());
    }

    /** parameter → "secret/key" of a TriggerAuthentication's secretTargetRef entries. */
    private static Map<String, String> parameters(JsonNode authentication) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (JsonNode ref : authentication.path("spec").path("secretTargetRef")) {
            parameters.put(ref.path("parameter").asText(), ref.path("name").asText() + "/" + ref.path("key").asText());
        }
        return parameters;
    }

    private static Map<String, JsonNode> envEntries(JsonNode deployment) {
        Map<String, JsonNode> entries = new LinkedHashMap<>();
        for (JsonNode e : Yaml.at(deployment, "spec/template/spec/containers").path(0).path("env")) {
            entries.put(e.path("name").asText(), e);
        }
        return entries;
    }

    /** "secret/key" of an env entry's secretKeyRef, or null. */
    private static String secretRef(JsonNode envEntry) {
        if (envEntry == null || Yaml.text(envEntry, "valueFrom/secretKeyRef/name") == null) {
            return null;
        }
        return Yaml.text(envEntry, "valueFrom/secretKeyRef/name") + "/" + Yaml.text(envEntry, "valueFrom/secretKeyRef/key");
    }

    /** "secret/key" of the Secret item mounted at {@code file}, or null when no Secret volume provides it. */
    private static String mountedSecretKey(JsonNode deployment, String file) {
        JsonNode pod = Yaml.at(deployment, "spec/template/spec");
        for (JsonNode mount : pod.path("containers").path(0).path("volumeMounts")) {
            String dir = mount.path("mountPath").asText().replaceAll("/$", "");
            if (!file.startsWith(dir + "/")) {
                continue;
            }
            String relative = file.substring(dir.length() + 1);
            for (JsonNode volume : pod.path("volumes")) {
                String secret = Yaml.text(volume, "secret/secretName");
                if (!volume.path("name").asText().equals(mount.path("name").asText()) || secret == null) {
                    continue;
                }
                if (!volume.path("secret").has("items")) {
                    return secret + "/" + relative;
                }
                for (JsonNode item : volume.path("secret").path("items")) {
                    if (item.path("path").asText().equals(relative)) {
                        return secret + "/" + item.path("key").asText();
                    }
                }
            }
        }
        return null;
    }

    private void problem(String format, Object... args) {
        problems.add(String.format(format, args));
    }
}
