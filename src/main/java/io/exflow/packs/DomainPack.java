package io.exflow.packs;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;
import java.util.Optional;

/**
 * A business domain's rule set: the exception types it knows, how to rate them, how to fix
 * them and with which tools, and the limits on doing so automatically.
 *
 * @param severityRules evaluated in order, first match wins; {@code defaultSeverity} otherwise
 * @param playbooks     in order of preference when several apply to a type
 */
@RegisterForReflection
public record DomainPack(
        String name,
        String version,
        List<ExceptionTypeDef> exceptionTypes,
        List<SeverityRule> severityRules,
        Severity defaultSeverity,
        List<Playbook> playbooks,
        List<ToolDef> tools,
        Guardrails guardrails) {

    public DomainPack {
        exceptionTypes = PackCollections.list(exceptionTypes);
        severityRules = PackCollections.list(severityRules);
        playbooks = PackCollections.list(playbooks);
        tools = PackCollections.list(tools);
    }

    public Optional<ExceptionTypeDef> exceptionType(String code) {
        return exceptionTypes.stream().filter(t -> t != null && t.code() != null && t.code().equals(code)).findFirst();
    }

    public Optional<ToolDef> tool(String toolName) {
        return tools.stream().filter(t -> t != null && t.name() != null && t.name().equals(toolName)).findFirst();
    }

    public Optional<Playbook> playbook(String id) {
        return playbooks.stream().filter(p -> p != null && p.id() != null && p.id().equals(id)).findFirst();
    }

    /** Playbooks that apply to {@code exceptionType}, in declaration (preference) order. */
    public List<Playbook> playbooksFor(String exceptionType) {
        return playbooks.stream().filter(p -> p != null && p.appliesTo(exceptionType)).toList();
    }
}
