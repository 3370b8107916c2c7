package io.exflow.testing;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Test profiles that run a subset of roles, so a test of one stage is not raced by the
 * stages after it. Each profile is one application start, shared by the classes using it.
 */
public final class Roles {
    private Roles() {
    }

    /**
     * The api with intake and triage (exceptions stop at TRIAGED), plus the test tenants of
     * src/test/resources/packs-api (a tenant with a tiny rate limit for the 429 test).
     */
    public static final class ApiIntakeAndTriage implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("exflow.worker-type", "api,intake,triage", "exflow.packs.dir", "src/test/resources/packs-api");
        }
    }

    /** intake and triage only: exceptions stop at TRIAGED. */
    public static final class IntakeAndTriage implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("exflow.worker-type", "intake,triage");
        }
    }

    /**
     * sla-monitor and feedback only, scanning every half second, with the test
     * tenants of src/test/resources/sla-packs: {@code calm-co} (no escalation on breach, no threshold)
     * and {@code tally-co} (used by FeedbackIT only).
     */
    public static final class SlaMonitorAndFeedback implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("exflow.worker-type", "sla-monitor,feedback",
                    "exflow.sla.scan-interval", "PT0.5S",
                    "exflow.sla.batch-size", "4",
                    "exflow.packs.dir", "src/test/resources/sla-packs");
        }
    }

    /** Ingestion to closing: intake, triage, policy, playbook and tool. */
    public static final class Pipeline implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("exflow.worker-type", "intake,triage,policy,playbook,tool");
        }
    }

    /** The pipeline without a tool worker: tests play the tool workers themselves. */
    public static final class PipelineWithoutTool implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("exflow.worker-type", "intake,triage,policy,playbook", "exflow.tool.visibility-timeout", "PT3S",
                    "exflow.tool.job-overdue", "PT3S", "exflow.tool.job-overdue-check", "1s");
        }
    }

    /**
     * Every role but feedback (the console's browser test): exceptions go all the way to their
     * outcome, and the feedback group's lag grows because nothing consumes its topics.
     */
    public static final class AllButFeedback implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("exflow.worker-type", "api,intake,triage,policy,playbook,tool,sla-monitor");
        }
    }

    /**
     * Every role with the OpenTelemetry SDK on (spans to memory, see InMemorySpans), the test
     * tenant of src/test/resources/packs-traced (an http tool served by TracingIT) and a fast SLA scan.
     */
    public static final class Traced implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("exflow.worker-type", "all",
                    "exflow.packs.dir", "src/test/resources/packs-traced",
                    "exflow.sla.scan-interval", "PT0.5S",
                    "quarkus.otel.sdk.disabled", "false",
                    "quarkus.otel.bsp.schedule.delay", "PT0.1S");
        }
    }
}
