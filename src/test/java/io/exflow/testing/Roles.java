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

    /** intake and triage only: exceptions stop at TRIAGED. */
    public static final class IntakeAndTriage implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("exflow.worker-type", "intake,triage");
        }
    }
}
