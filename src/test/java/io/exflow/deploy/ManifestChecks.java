package io.exflow.deploy;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Checks that one rendered overlay agrees with the application's configuration and with the
 * packaging rules of SPEC.md §7. Returns problems as sentences; an empty list means the overlay
 * is consistent. Pure, so the tests run it on the real overlays and on broken fixtures alike.
 */
final class ManifestChecks {

    private final AppConfig app;
    private final List<JsonNode> docs;
    private final List<String> problems = new ArrayList<>();

    private ManifestChecks(AppConfig app, List<JsonNode> docs) {
        this.app = app;
        this.docs = docs;
    }

    static List<String> check(AppConfig app, List<JsonNode> docs) {
        ManifestChecks checks = new ManifestChecks(app, docs);
        checks.run();
        return checks.problems;
    }

    private void run() {
        noInlineSecrets();
        noSecretsInConfigMaps();
        for (String role : DeployContract.ROLES) {
            Optional<JsonNode> deployment = Yaml.find(docs, "Deployment", DeployContract.deploymentName(role));
            if (deployment.isEmpty()) {
                problem("no Deployment %s for role %s", DeployContract.deploymentName(role), role);
                continue;
            }
            Map<String, String> env = effectiveEnv(deployment.get());
            deployment(role, deployment.get(), env);
            podDisruptionBudget(role, deployment.get());
            networkPolicy(role, deployment.get(), env);
            if (!Yaml.ofKind(docs, "ScaledObject").isEmpty()) {
                scaledObject(role, deployment.get(), env);
            }
            problems.addAll(SecuredConnectionChecks.check(role, deployment.get(), env, docs));
        }
        metricsService();
        serviceMonitor();
        kafkaTopics();
        triggerAuthentications();
    }

    // ---- Deployments ------------------------------------------------------------------------

    private void deployment(String role, JsonNode deployment, Map<String, String> env) {
        String name = Yaml.kindAndName(deployment);
        JsonNode spec = deployment.path("spec");
        if (spec.has("replicas")) {
            problem("%s sets spec.replicas; KEDA owns the replica count (and Argo CD ignores it)", name);
        }
        JsonNode pod = Yaml.at(spec, "template/spec");
        JsonNode container = pod.path("containers").path(0);

        if (!role.equals(env.get("WORKER_TYPE"))) {
            problem("%s: WORKER_TYPE is %s, expected %s", name, env.get("WORKER_TYPE"), role);
        }
        String group = env.getOrDefault("GROUP_ID", "");
        if (!group.isEmpty() && !group.equals("exflow-" + role)) {
            problem("%s: GROUP_ID %s differs from the application's group exflow-%s", name, group, role);
        }
        for (String variable : env.keySet()) {
            if (!app.readsEnv(variable)) {
                problem("%s sets %s, which the application does not read (application.properties)", name, variable);
            }
        }
        for (JsonNode e : container.path("env")) {
            if (DeployContract.SECRET_ENV.contains(e.path("name").asText()) && !e.path("valueFrom").has("secretKeyRef")) {
                problem("%s: %s must come from a Secret (secretKeyRef), not be inlined", name, e.path("name").asText());
            }
            String secret = Yaml.text(e, "valueFrom/secretKeyRef/name");
            if (secret != null && !DeployContract.SECRETS.contains(secret)) {
                problem("%s: env %s references unknown Secret %s (documented: %s)", name, e.path("name").asText(), secret, DeployContract.SECRETS);
            }
        }
        for (JsonNode volume : pod.path("volumes")) {
            String secret = Yaml.text(volume, "secret/secretName");
            if (secret != null && !DeployContract.SECRETS.contains(secret)) {
                problem("%s: volume %s references unknown Secret %s", name, volume.path("name").asText(), secret);
            }
        }

        // Ports and probes: all probes on the management port, at the application's health paths.
        int managementPort = app.managementPort(env);
        int httpPort = app.httpPort(env);
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (JsonNode p : container.path("ports")) {
            ports.put(p.path("name").asText(), p.path("containerPort").asInt());
        }
        if (!Integer.valueOf(managementPort).equals(ports.get("management"))) {
            problem("%s: container port 'management' is %s, the application's management port is %d", name, ports.get("management"), managementPort);
        }
        if (role.equals("api") && !Integer.valueOf(httpPort).equals(ports.get("http"))) {
            problem("%s: container port 'http' is %s, the application's HTTP port is %d", name, ports.get("http"), httpPort);
        }
        if (!role.equals("api") && ports.containsKey("http")) {
            problem("%s exposes the public HTTP port; only the api role serves HTTP", name);
        }
        Map<String, String> probePaths = app.healthPaths();
        for (String[] probe : new String[][] { { "startupProbe", "started" }, { "livenessProbe", "live" }, { "readinessProbe", "ready" } }) {
            JsonNode httpGet = container.path(probe[0]).path("httpGet");
            if (httpGet.isMissingNode()) {
                problem("%s has no %s httpGet", name, probe[0]);
                continue;
            }
            String path = httpGet.path("path").asText();
            if (!path.equals(probePaths.get(probe[1]))) {
                problem("%s: %s path %s, expected %s", name, probe[0], path, probePaths.get(probe[1]));
            }
            JsonNode port = httpGet.path("port");
            Integer resolved = port.isInt() ? Integer.valueOf(port.asInt()) : ports.get(port.asText());
            if (!Integer.valueOf(managementPort).equals(resolved)) {
                problem("%s: %s uses port %s, not the management port %d", name, probe[0], port.asText(), managementPort);
            }
        }

        // Graceful shutdown must finish before the kubelet's SIGKILL.
        Duration shutdown = app.shutdownTimeout(env);
        long grace = pod.path("terminationGracePeriodSeconds").asLong(30);
        if (grace <= shutdown.toSeconds()) {
            problem("%s: terminationGracePeriodSeconds %d must exceed the shutdown timeout %s", name, grace, shutdown);
        }

        // Pod security: non-root, read-only root filesystem, no privilege escalation, no capabilities.
        JsonNode podSecurity = pod.path("securityContext");
        JsonNode security = container.path("securityContext");
        if (!podSecurity.path("runAsNonRoot").asBoolean(false) && !security.path("runAsNonRoot").asBoolean(false)) {
            problem("%s: runAsNonRoot is not true", name);
        }
        if (!"RuntimeDefault".equals(Yaml.text(podSecurity, "seccompProfile/type")) && !"RuntimeDefault".equals(Yaml.text(security, "seccompProfile/type"))) {
            problem("%s: seccompProfile is not RuntimeDefault", name);
        }
        if (!security.path("readOnlyRootFilesystem").asBoolean(false)) {
            problem("%s: readOnlyRootFilesystem is not true", name);
        }
        if (security.path("allowPrivilegeEscalation").asBoolean(true)) {
            problem("%s: allowPrivilegeEscalation is not false", name);
        }
        if (!Yaml.list(security, "capabilities/drop").stream().map(JsonNode::asText).toList().contains("ALL")) {
            problem("%s: capabilities do not drop ALL", name);
        }
        for (String kind : List.of("requests", "limits")) {
            JsonNode resources = container.path("resources").path(kind);
            if (!resources.has("cpu") || !resources.has("memory")) {
                problem("%s: resources.%s needs cpu and memory", name, kind);
            }
        }
    }

    /** The variables the container gets: its ConfigMap(s) via envFrom, overridden by env. */
    private Map<String, String> effectiveEnv(JsonNode deployment) {
        JsonNode container = Yaml.at(deployment, "spec/template/spec/containers").path(0);
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode from : container.path("envFrom")) {
            String configMap = Yaml.text(from, "configMapRef/name");
            if (configMap == null) {
                continue;
            }
            Optional<JsonNode> cm = Yaml.find(docs, "ConfigMap", configMap);
            if (cm.isEmpty()) {
                problem("%s: envFrom ConfigMap %s is not part of the overlay", Yaml.kindAndName(deployment), configMap);
            } else {
                env.putAll(Yaml.stringMap(cm.get().path("data")));
            }
        }
        for (JsonNode e : container.path("env")) {
            env.put(e.path("name").asText(), e.has("value") ? e.path("value").asText() : "<from " + fieldsOf(e.path("valueFrom")) + ">");
        }
        return env;
    }

    // ---- PodDisruptionBudget and NetworkPolicy ------------------------------------------------

    private void podDisruptionBudget(String role, JsonNode deployment) {
        Optional<JsonNode> pdb = Yaml.find(docs, "PodDisruptionBudget", DeployContract.deploymentName(role));
        if (pdb.isEmpty()) {
            problem("no PodDisruptionBudget for role %s", role);
        } else if (!selects(pdb.get().path("spec").path("selector"), podLabels(deployment))) {
            problem("%s does not select the pods of %s", Yaml.kindAndName(pdb.get()), Yaml.kindAndName(deployment));
        }
    }

    private void networkPolicy(String role, JsonNode deployment, Map<String, String> env) {
        Optional<JsonNode> policy = Yaml.find(docs, "NetworkPolicy", DeployContract.deploymentName(role));
        if (policy.isEmpty()) {
            problem("no NetworkPolicy for role %s", role);
            return;
        }
        String name = Yaml.kindAndName(policy.get());
        JsonNode spec = policy.get().path("spec");
        if (!selects(spec.path("podSelector"), podLabels(deployment))) {
            problem("%s does not select the pods of role %s", name, role);
        }
        Set<String> egressPorts = ports(spec.path("egress"));
        Set<String> ingressPorts = ports(spec.path("ingress"));
        int kafkaPort = portOf(env.get("KAFKA_BOOTSTRAP_SERVERS"), app.valueOf("kafka.bootstrap.servers"));
        if (!egressPorts.contains(String.valueOf(kafkaPort))) {
            problem("%s: egress does not allow the Kafka port %d (KAFKA_BOOTSTRAP_SERVERS)", name, kafkaPort);
        }
        String dbUrl = env.getOrDefault("DB_URL", app.valueOf("quarkus.datasource.jdbc.url"));
        int dbPort = portOf(dbUrl.replaceFirst("^jdbc:", ""), dbUrl);
        if (!egressPorts.contains(String.valueOf(dbPort))) {
            problem("%s: egress does not allow the PostgreSQL port %d (DB_URL)", name, dbPort);
        }
        boolean redisEgress = egressPorts.contains("6379");
        if (DeployContract.REDIS_ROLES.contains(role) != redisEgress) {
            problem("%s: Redis egress is %s, but role %s %s Redis", name, redisEgress ? "allowed" : "not allowed", role,
                    DeployContract.REDIS_ROLES.contains(role) ? "uses" : "does not use");
        }
        if (!ingressPorts.contains("management") && !ingressPorts.contains(String.valueOf(app.managementPort(env)))) {
            problem("%s: ingress does not admit metrics scrapes on the management port", name);
        }
        boolean httpIngress = ingressPorts.contains("http") || ingressPorts.contains(String.valueOf(app.httpPort(env)));
        if (role.equals("api") != httpIngress) {
            problem("%s: public HTTP ingress is %s for role %s", name, httpIngress ? "open" : "closed", role);
        }
    }

    // ---- KEDA ---------------------------------------------------------------------------------

    private void scaledObject(String role, JsonNode deployment, Map<String, String> env) {
        Optional<JsonNode> found = Yaml.find(docs, "ScaledObject", DeployContract.deploymentName(role));
        if (found.isEmpty()) {
            problem("no ScaledObject for role %s", role);
            return;
        }
        JsonNode so = found.get();
        String name = Yaml.kindAndName(so);
        JsonNode spec = so.path("spec");
        if (!DeployContract.deploymentName(role).equals(Yaml.text(spec, "scaleTargetRef/name"))) {
            problem("%s scales %s instead of %s", name, Yaml.text(spec, "scaleTargetRef/name"), DeployContract.deploymentName(role));
        }
        int min = spec.path("minReplicaCount").asInt(0);
        int max = spec.path("maxReplicaCount").asInt(100);
        if (min > max) {
            problem("%s: minReplicaCount %d > maxReplicaCount %d", name, min, max);
        }
        List<JsonNode> triggers = Yaml.list(spec, "triggers");
        Set<String> types = new TreeSet<>();
        triggers.forEach(t -> types.add(t.path("type").asText()));

        if (DeployContract.consumesKafka(role)) {
            kafkaTriggers(role, name, triggers, types, max, env);
        } else if (role.equals("tool")) {
            if (!types.equals(Set.of("redis"))) {
                problem("%s: tool must scale on Redis list length only, has triggers %s", name, types);
            }
            Set<String> lists = new TreeSet<>();
            for (JsonNode t : triggers) {
                lists.add(Yaml.text(t, "metadata/listName"));
                if (!t.path("metadata").has("listLength")) {
                    problem("%s: Redis trigger on %s has no listLength", name, Yaml.text(t, "metadata/listName"));
                }
            }
            Set<String> expected = new TreeSet<>(app.toolQueues(env));
            if (!lists.equals(expected)) {
                problem("%s: Redis listNames %s differ from the tool queues %s", name, lists, expected);
            }
        } else if (DeployContract.CPU_ROLES.contains(role)) {
            if (!Set.of("cpu", "memory").containsAll(types)) {
                problem("%s: %s must scale on CPU/memory or stay fixed, has triggers %s", name, role, types);
            }
            if (min < 1) {
                problem("%s: %s must never scale to zero (minReplicaCount %d)", name, role, min);
            }
        }
    }

    private void kafkaTriggers(String role, String name, List<JsonNode> triggers, Set<String> types, int max, Map<String, String> env) {
        if (!types.equals(Set.of("kafka"))) {
            problem("%s: %s must scale on Kafka lag only, has triggers %s", name, role, types);
        }
        Map<String, String> topicNames = app.topics(env);
        Set<String> expectedTopics = new TreeSet<>();
        DeployContract.KAFKA_INPUTS.get(role).forEach(logical -> expectedTopics.add(topicNames.get(logical)));
        Set<String> topics = new TreeSet<>();
        String group = env.getOrDefault("GROUP_ID", "");
        String expectedGroup = group.isEmpty() ? "exflow-" + role : group;
        String offsetReset = app.resolve("exflow.kafka.auto-offset-reset", env);
        int partitions = app.topicPartitions(env);
        for (JsonNode trigger : triggers) {
            JsonNode meta = trigger.path("metadata");
            String topic = meta.path("topic").asText();
            topics.add(topic);
            String where = name + " trigger on " + topic;
            if (!expectedGroup.equals(meta.path("consumerGroup").asText())) {
                problem("%s: consumerGroup %s differs from the application's group id %s", where, meta.path("consumerGroup").asText(), expectedGroup);
            }
            if (!offsetReset.equals(meta.path("offsetResetPolicy").asText("latest"))) {
                problem("%s: offsetResetPolicy %s differs from the consumer's auto.offset.reset %s", where,
                        meta.path("offsetResetPolicy").asText("latest (KEDA's default)"), offsetReset);
            }
            if (!meta.has("lagThreshold") || !meta.has("activationLagThreshold")) {
                problem("%s: lagThreshold and activationLagThreshold must both be set", where);
            }
            if (meta.has("bootstrapServersFromEnv") && !env.containsKey(meta.path("bootstrapServersFromEnv").asText())) {
                problem("%s: bootstrapServersFromEnv %s is not set on the Deployment", where, meta.path("bootstrapServersFromEnv").asText());
            }
            if (meta.has("bootstrapServers") && !meta.path("bootstrapServers").asText().equals(env.get("KAFKA_BOOTSTRAP_SERVERS"))) {
                problem("%s: bootstrapServers differ from the Deployment's KAFKA_BOOTSTRAP_SERVERS", where);
            }
            if ("true".equals(meta.path("allowIdleConsumers").asText())) {
                problem("%s: allowIdleConsumers would scale past the topic's partitions", where);
            }
        }
        if (!topics.equals(expectedTopics)) {
            problem("%s: triggers watch topics %s, role %s consumes %s", name, topics, role, expectedTopics);
        }
        if (max > partitions) {
            problem("%s: maxReplicaCount %d exceeds the topics' %d partitions (TOPIC_PARTITIONS)", name, max, partitions);
        }
        for (JsonNode topic : Yaml.ofKind(docs, "KafkaTopic")) {
            if (expectedTopics.contains(Yaml.text(topic, "spec/topicName")) && max > topic.path("spec").path("partitions").asInt()) {
                problem("%s: maxReplicaCount %d exceeds the %d partitions of KafkaTopic %s", name, max,
                        topic.path("spec").path("partitions").asInt(), Yaml.text(topic, "spec/topicName"));
            }
        }
    }

    private void triggerAuthentications() {
        Set<String> declared = new HashSet<>();
        for (JsonNode auth : Yaml.ofKind(docs, "TriggerAuthentication")) {
            declared.add(auth.path("metadata").path("name").asText());
            for (JsonNode ref : auth.path("spec").path("secretTargetRef")) {
                if (!DeployContract.SECRETS.contains(ref.path("name").asText())) {
                    problem("%s references unknown Secret %s", Yaml.kindAndName(auth), ref.path("name").asText());
                }
            }
        }
        for (JsonNode so : Yaml.ofKind(docs, "ScaledObject")) {
            for (JsonNode trigger : so.path("spec").path("triggers")) {
                String auth = Yaml.text(trigger, "authenticationRef/name");
                if (auth != null && !declared.contains(auth)) {
                    problem("%s: authenticationRef %s is not a TriggerAuthentication of the overlay", Yaml.kindAndName(so), auth);
                }
            }
        }
    }

    // ---- Services, monitoring, topics, secrets ------------------------------------------------

    private void metricsService() {
        Optional<JsonNode> service = Yaml.find(docs, "Service", "exflow-metrics");
        if (service.isEmpty()) {
            problem("no Service exflow-metrics for the management port");
            return;
        }
        JsonNode selector = service.get().path("spec").path("selector");
        for (String role : DeployContract.ROLES) {
            Yaml.find(docs, "Deployment", DeployContract.deploymentName(role))
                    .filter(d -> !Yaml.stringMap(selector).entrySet().stream().allMatch(e -> e.getValue().equals(podLabels(d).get(e.getKey()))))
                    .ifPresent(d -> problem("Service/exflow-metrics does not select the pods of %s", Yaml.kindAndName(d)));
        }
        boolean targetsManagement = Yaml.list(service.get(), "spec/ports").stream()
                .anyMatch(p -> "management".equals(p.path("targetPort").asText()) || p.path("targetPort").asInt() == app.managementPort(Map.of()));
        if (!targetsManagement) {
            problem("Service/exflow-metrics does not target the management port");
        }
    }

    private void serviceMonitor() {
        for (JsonNode monitor : Yaml.ofKind(docs, "ServiceMonitor")) {
            for (JsonNode endpoint : monitor.path("spec").path("endpoints")) {
                if (!app.metricsPath().equals(endpoint.path("path").asText())) {
                    problem("%s scrapes %s, the application serves metrics at %s", Yaml.kindAndName(monitor), endpoint.path("path").asText(), app.metricsPath());
                }
            }
        }
    }

    private void kafkaTopics() {
        List<JsonNode> topics = Yaml.ofKind(docs, "KafkaTopic");
        if (topics.isEmpty()) {
            return;
        }
        Map<String, String> env = configMapData();
        Set<String> names = new LinkedHashSet<>();
        for (JsonNode topic : topics) {
            String name = Yaml.text(topic, "spec/topicName");
            names.add(name);
            int partitions = topic.path("spec").path("partitions").asInt();
            if (partitions != app.topicPartitions(env)) {
                problem("%s has %d partitions, the application is configured with %d (TOPIC_PARTITIONS)", Yaml.kindAndName(topic), partitions, app.topicPartitions(env));
            }
            int replicas = topic.path("spec").path("replicas").asInt();
            int appReplicas = Integer.parseInt(app.resolve("exflow.topic-replication-factor", env).trim());
            if (replicas != appReplicas) {
                problem("%s has %d replicas, TOPIC_REPLICATION_FACTOR is %d", Yaml.kindAndName(topic), replicas, appReplicas);
            }
        }
        Set<String> expected = app.topicNames(env);
        if (!names.equals(expected)) {
            problem("KafkaTopics %s differ from the application's topics %s", new TreeSet<>(names), new TreeSet<>(expected));
        }
    }

    private void noInlineSecrets() {
        for (JsonNode secret : Yaml.ofKind(docs, "Secret")) {
            problem("%s is rendered; Secrets are created out of band and only referenced", Yaml.kindAndName(secret));
        }
    }

    /** Secrets never in a ConfigMap: no secret-named key, no private key, no credentials inside a URL. */
    private void noSecretsInConfigMaps() {
        java.util.regex.Pattern secretKey = java.util.regex.Pattern.compile("(?i).*(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL).*");
        java.util.regex.Pattern urlCredentials = java.util.regex.Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*://[^/\\s:@]*:[^/\\s@]+@");
        for (JsonNode cm : Yaml.ofKind(docs, "ConfigMap")) {
            for (Map.Entry<String, String> e : Yaml.stringMap(cm.path("data")).entrySet()) {
                String where = Yaml.kindAndName(cm) + " key " + e.getKey();
                if (secretKey.matcher(e.getKey()).matches() || DeployContract.SECRET_ENV.contains(e.getKey())) {
                    problem("%s looks like a secret; it belongs in a Secret", where);
                }
                if (e.getValue().contains("PRIVATE KEY-----")) {
                    problem("%s holds a private key", where);
                }
                if (urlCredentials.matcher(e.getValue()).find()) {
                    problem("%s holds credentials inside a URL", where);
                }
            }
        }
    }

    private Map<String, String> configMapData() {
        return Yaml.ofKind(docs, "ConfigMap").stream().filter(cm -> cm.path("metadata").path("name").asText().startsWith("exflow-config"))
                .findFirst().map(cm -> Yaml.stringMap(cm.path("data"))).orElse(Map.of());
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static Map<String, String> podLabels(JsonNode deployment) {
        return Yaml.stringMap(Yaml.at(deployment, "spec/template/metadata/labels"));
    }

    private static boolean selects(JsonNode selector, Map<String, String> labels) {
        Map<String, String> matchLabels = Yaml.stringMap(selector.path("matchLabels"));
        return !matchLabels.isEmpty() && matchLabels.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    private static Set<String> ports(JsonNode rules) {
        Set<String> ports = new TreeSet<>();
        for (JsonNode rule : rules) {
            for (JsonNode port : rule.path("ports")) {
                ports.add(port.path("port").asText());
            }
        }
        return ports;
    }

    /** Port of the first host:port in a list or URL; -1 when there is none. */
    private static int portOf(String value, String fallback) {
        String v = value == null ? fallback : value;
        String first = v.split(",")[0].trim();
        try {
            URI uri = URI.create(first.contains("://") ? first : "tcp://" + first);
            return uri.getPort();
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    private static String fieldsOf(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return String.join(",", names);
    }

    private void problem(String format, Object... args) {
        problems.add(String.format(format, args));
    }
}
