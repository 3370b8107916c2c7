package io.exflow.packs;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A suspended tenant's exceptions are refused at the API and dead-lettered by workers. */
@RegisterForReflection
public enum TenantStatus {
    ACTIVE, SUSPENDED
}
