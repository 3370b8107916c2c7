package io.exflow.packs;

import io.exflow.packs.PackValidationException.Violation;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Semantic checks of parsed packs. Collects every problem of a file rather than stopping at
 * the first, so an operator fixes a pack in one round.
 */
final class PackValidator {

    // Tenant ids end up in Kafka partition keys ("tenantId:exceptionId") and Redis keys.
    private static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final String file;
    private final List<Violation> violations;

    private PackValidator(String file, List<Violation> violations) {
        this.file = file;
        this.violations = violations;
    }

    static void validateDomain(String file, DomainPack domain, List<Violation> violations) {
        new PackValidator(file, violations).domain(domain);
    }

    static void validateTenant(String file, TenantPack tenant, Map<String, DomainPack> domains,
            List<Violation> violations) {
        new PackValidator(file, violations).tenant(tenant, domains);
    }

    private void fail(String field, String message) {
        violations.add(new Violation(file, field, message));
    }

    private boolean required(String field, Object value) {
        if (value == null || (value instanceof String s && s.isBlank())) {
            fail(field, "is required");
            return false;
        }
        return true;
    }

    // ---- domain ----------------------------------------------------------------------------

    private void domain(DomainPack d) {
        required("name", d.name());
        required("version", d.version());
        required("defaultSeverity", d.defaultSeverity());
        Set<String> types = exceptionTypes(d.exceptionTypes());
        severityRules(d.severityRules(), types);
        Set<String> tools = tools(d.tools());
        playbooks(d.playbooks(), types, tools);
        if (required("guardrails", d.guardrails())) {
            guardrails(d.guardrails(), types);
        }
    }

    private Set<String> exceptionTypes(List<ExceptionTypeDef> defs) {
        Set<String> codes = new HashSet<>();
        if (defs.isEmpty()) {
            fail("exceptionTypes", "must define at least one exception type");
        }
        for (int i = 0; i < defs.size(); i++) {
            String at = "exceptionTypes[" + i + "]";
            ExceptionTypeDef def = defs.get(i);
            if (!required(at, def) || !required(at + ".code", def.code())) {
                continue;
            }
            if (!ExceptionTypeCode.isCanonical(def.code())) {
                fail(at + ".code", "'" + def.code() + "' must be UPPER_SNAKE_CASE, e.g. '"
                        + ExceptionTypeCode.toUpperSnake(def.code()) + "'");
            }
            if (!codes.add(def.code())) {
                fail(at + ".code", "duplicate exception type '" + def.code() + "'");
            }
            for (int f = 0; f < def.requiredFields().size(); f++) {
                required(at + ".requiredFields[" + f + "]", def.requiredFields().get(f));
            }
        }
        return codes;
    }

    private void severityRules(List<SeverityRule> rules, Set<String> types) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < rules.size(); i++) {
            String at = "severityRules[" + i + "]";
            SeverityRule rule = rules.get(i);
            if (!required(at, rule)) {
                continue;
            }
            uniqueId(at, rule.id(), ids);
            knownType(at + ".exceptionType", rule.exceptionType(), types);
            nonNegative(at + ".minAmount", rule.minAmount());
            if ((rule.attribute() == null) != (rule.attributeEquals() == null)) {
                fail(at + (rule.attribute() == null ? ".attribute" : ".equals"),
                        "'attribute' and 'equals' must be set together");
            }
            required(at + ".severity", rule.severity());
        }
    }

    private Set<String> tools(List<ToolDef> tools) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < tools.size(); i++) {
            String at = "tools[" + i + "]";
            ToolDef tool = tools.get(i);
            if (!required(at, tool) || !required(at + ".name", tool.name())) {
                continue;
            }
            if (!names.add(tool.name())) {
                fail(at + ".name", "duplicate tool '" + tool.name() + "'");
            }
            if (tool.timeoutMs() <= 0) {
                fail(at + ".timeoutMs", "must be > 0");
            }
            if (tool.maxConcurrency() != null && tool.maxConcurrency() <= 0) {
                fail(at + ".maxConcurrency", "must be > 0 when present");
            }
            if (!required(at + ".mode", tool.mode())) {
                continue;
            }
            switch (tool.mode()) {
                case HTTP -> httpEndpoint(at + ".endpoint", tool.endpoint());
                case SIMULATE -> simulateProfile(at + ".simulate", tool.simulate());
            }
        }
        return names;
    }

    private void httpEndpoint(String at, String endpoint) {
        if (!required(at, endpoint)) {
            return;
        }
        try {
            URI uri = URI.create(endpoint);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                fail(at, "must be an absolute http(s) URL");
            }
        } catch (IllegalArgumentException e) {
            fail(at, "must be an absolute http(s) URL");
        }
    }

    private void simulateProfile(String at, SimulateProfile profile) {
        if (!required(at, profile)) {
            return;
        }
        if (profile.latencyMs() < 0) {
            fail(at + ".latencyMs", "must be >= 0");
        }
        if (!(profile.failureRate() >= 0 && profile.failureRate() <= 1)) {
            fail(at + ".failureRate", "must be between 0 and 1");
        }
    }

    private void playbooks(List<Playbook> playbooks, Set<String> types, Set<String> tools) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < playbooks.size(); i++) {
            String at = "playbooks[" + i + "]";
            Playbook playbook = playbooks.get(i);
            if (!required(at, playbook)) {
                continue;
            }
            uniqueId(at, playbook.id(), ids);
            if (playbook.exceptionTypes().isEmpty()) {
                fail(at + ".exceptionTypes", "must name at least one exception type");
            }
            for (int t = 0; t < playbook.exceptionTypes().size(); t++) {
                String type = playbook.exceptionTypes().get(t);
                if (required(at + ".exceptionTypes[" + t + "]", type)) {
                    knownType(at + ".exceptionTypes[" + t + "]", type, types);
                }
            }
            required(at + ".maxSeverity", playbook.maxSeverity());
            if (playbook.steps().isEmpty()) {
                fail(at + ".steps", "must have at least one step");
            }
            steps(at, playbook.steps(), tools);
        }
    }

    private void steps(String playbookAt, List<PlaybookStep> steps, Set<String> tools) {
        Set<String> names = new HashSet<>();
        for (int s = 0; s < steps.size(); s++) {
            String at = playbookAt + ".steps[" + s + "]";
            PlaybookStep step = steps.get(s);
            if (!required(at, step)) {
                continue;
            }
            if (required(at + ".name", step.name()) && !names.add(step.name())) {
                fail(at + ".name", "duplicate step name '" + step.name() + "'");
            }
            if (step.maxAttempts() < 1) {
                fail(at + ".maxAttempts", "must be >= 1");
            }
            if (!required(at + ".action", step.action())) {
                continue;
            }
            if (step.action() == StepAction.TOOL) {
                if (required(at + ".tool", step.tool()) && !tools.contains(step.tool())) {
                    fail(at + ".tool", "tool '" + step.tool() + "' is not defined in this domain's tools");
                }
            } else if (step.tool() != null) {
                fail(at + ".tool", "only TOOL steps name a tool (action is " + step.action() + ")");
            }
        }
    }

    private void guardrails(Guardrails g, Set<String> types) {
        nonNegative("guardrails.maxAutoAmount", g.maxAutoAmount());
        int i = 0;
        for (String type : g.blockedExceptionTypes()) {
            String at = "guardrails.blockedExceptionTypes[" + i++ + "]";
            if (required(at, type)) {
                knownType(at, type, types);
            }
        }
        noNulls("guardrails.autoApproveSeverities", g.autoApproveSeverities());
        noNulls("guardrails.escalateSeverities", g.escalateSeverities());
        for (Severity severity : g.autoApproveSeverities()) {
            if (severity != null && g.escalateSeverities().contains(severity)) {
                fail("guardrails.autoApproveSeverities", severity + " is also in escalateSeverities");
            }
        }
    }

    // ---- tenant ----------------------------------------------------------------------------

    private void tenant(TenantPack t, Map<String, DomainPack> domains) {
        if (required("tenantId", t.tenantId()) && !TENANT_ID.matcher(t.tenantId()).matches()) {
            fail("tenantId", "must be 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        required("name", t.name());
        required("status", t.status());
        DomainPack domain = null;
        if (required("domain", t.domain())) {
            domain = domains.get(t.domain());
            if (domain == null) {
                fail("domain", "domain pack '" + t.domain() + "' is not defined (known: " + domains.keySet() + ")");
            }
        }
        sla(t.slaBySeverity());
        if (!(t.slaImminentThreshold() > 0 && t.slaImminentThreshold() <= 1)) {
            fail("slaImminentThreshold", "must be in (0, 1], got " + t.slaImminentThreshold());
        }
        if (required("rateLimit", t.rateLimit())) {
            if (!(t.rateLimit().requestsPerSecond() > 0)) {
                fail("rateLimit.requestsPerSecond", "must be > 0");
            }
            if (t.rateLimit().burst() < 1) {
                fail("rateLimit.burst", "must be >= 1");
            }
        }
        for (String field : t.piiFields()) {
            if (field == null || field.isBlank()) {
                fail("piiFields", "must not contain blank names");
            }
        }
        if (domain != null) {
            tenantAgainstDomain(t, domain);
        }
    }

    private void sla(Map<Severity, Duration> sla) {
        for (Severity severity : Severity.values()) {
            Duration window = sla.get(severity);
            if (window == null) {
                fail("slaBySeverity." + severity, "is required (every severity needs an SLA)");
            } else if (window.isNegative() || window.isZero()) {
                fail("slaBySeverity." + severity, "must be a positive duration");
            }
        }
    }

    private void tenantAgainstDomain(TenantPack t, DomainPack domain) {
        Set<String> types = new HashSet<>();
        domain.exceptionTypes().forEach(def -> types.add(def.code()));
        t.severityOverrides().forEach((type, severity) -> {
            knownType("severityOverrides." + type, type, types);
            required("severityOverrides." + type, severity);
        });
        for (String tool : t.approvedTools()) {
            if (domain.tool(tool).isEmpty()) {
                fail("approvedTools", "tool '" + tool + "' is not defined in domain '" + domain.name() + "'");
            }
        }
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < t.approvalRules().size(); i++) {
            String at = "approvalRules[" + i + "]";
            ApprovalRule rule = t.approvalRules().get(i);
            if (!required(at, rule)) {
                continue;
            }
            uniqueId(at, rule.id(), ids);
            knownType(at + ".exceptionType", rule.exceptionType(), types);
            nonNegative(at + ".minAmount", rule.minAmount());
        }
    }

    // ---- shared ----------------------------------------------------------------------------

    private void uniqueId(String at, String id, Set<String> seen) {
        if (required(at + ".id", id) && !seen.add(id)) {
            fail(at + ".id", "duplicate id '" + id + "'");
        }
    }

    /** A null type means "any" and is fine; a set one must exist in the domain. */
    private void knownType(String at, String type, Set<String> types) {
        if (type != null && !types.contains(type)) {
            fail(at, "exception type '" + type + "' is not defined in the domain");
        }
    }

    private void nonNegative(String at, BigDecimal amount) {
        if (amount != null && amount.signum() < 0) {
            fail(at, "must be >= 0");
        }
    }

    private void noNulls(String at, Set<Severity> severities) {
        // Iterate: immutable Set.of() throws on contains(null).
        if (severities.stream().anyMatch(java.util.Objects::isNull)) {
            fail(at, "must not contain null");
        }
    }
}
