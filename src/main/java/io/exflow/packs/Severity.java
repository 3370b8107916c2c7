package io.exflow.packs;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** Severity of a business exception, declared from most to least severe. */
@RegisterForReflection
public enum Severity {
    CRITICAL, HIGH, MEDIUM, LOW;

    /** True when this severity is as severe as {@code other} or more (CRITICAL is at least HIGH). */
    public boolean isAtLeast(Severity other) {
        return ordinal() <= other.ordinal();
    }

    /** True when this severity is as severe as {@code other} or less (LOW is at most MEDIUM). */
    public boolean isAtMost(Severity other) {
        return ordinal() >= other.ordinal();
    }
}
