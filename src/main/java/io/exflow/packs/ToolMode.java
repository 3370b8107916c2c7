package io.exflow.packs;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** How the tool worker executes a tool. Written in lower case in pack files. */
@RegisterForReflection
public enum ToolMode {
    /** Simulated in-process with the tool's latency/failure profile. */
    @JsonProperty("simulate")
    SIMULATE,
    /** HTTP POST to the tool's endpoint with an idempotency key header. */
    @JsonProperty("http")
    HTTP
}
