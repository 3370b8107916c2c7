package io.exflow.runtime.config;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The roles one exflow image can play; WORKER_TYPE picks one, or {@code all}. */
public enum WorkerRole {
    API("api"),
    INTAKE("intake"),
    TRIAGE("triage"),
    POLICY("policy"),
    PLAYBOOK("playbook"),
    TOOL("tool"),
    FEEDBACK("feedback"),
    SLA_MONITOR("sla-monitor");

    /** Roles whose handlers exist in this build; the others are reserved names that fail start-up clearly. */
    public static final Set<WorkerRole> IMPLEMENTED = EnumSet.of(API, INTAKE, TRIAGE, POLICY, PLAYBOOK, TOOL, FEEDBACK, SLA_MONITOR);

    private final String id;

    WorkerRole(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** This role's consumer group unless GROUP_ID sets one (see {@code ExflowSettings#consumerGroup}). */
    public String defaultConsumerGroup() {
        return "exflow-" + id;
    }

    public static Optional<WorkerRole> fromId(String value) {
        String normalized = value.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        return Arrays.stream(values()).filter(r -> r.id.equals(normalized)).findFirst();
    }

    /**
     * Parses WORKER_TYPE: one role id, {@code all}, or a comma-separated list of role ids
     * (for local runs and tests that want several roles but not every one).
     */
    public static Set<WorkerRole> parseWorkerType(String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidConfigException("WORKER_TYPE", "is required; one of " + allowed());
        }
        if (value.trim().equalsIgnoreCase("all")) {
            return EnumSet.copyOf(IMPLEMENTED);
        }
        Set<WorkerRole> roles = EnumSet.noneOf(WorkerRole.class);
        for (String part : value.split(",")) {
            WorkerRole role = fromId(part).orElseThrow(() -> new InvalidConfigException("WORKER_TYPE",
                    "'" + part.trim() + "' is not a worker type; one of " + allowed()));
            if (!IMPLEMENTED.contains(role)) {
                throw new InvalidConfigException("WORKER_TYPE", "'" + role.id + "' is reserved but not implemented in this build; "
                        + "implemented: " + IMPLEMENTED.stream().map(WorkerRole::id).collect(Collectors.joining(", ")) + ", all");
            }
            roles.add(role);
        }
        return roles;
    }

    private static String allowed() {
        return Arrays.stream(values()).map(WorkerRole::id).collect(Collectors.joining(", ")) + ", all";
    }
}
