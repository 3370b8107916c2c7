package io.exflow.runtime;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.event.EventKind;

/**
 * Declares what an {@link EventHandler} is for: the role whose processes run it and the event
 * kind it consumes (the runtime subscribes the role to that kind's topic or queue). Inherited,
 * so the container's proxies of the handler carry it too.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Inherited
public @interface Handles {
    WorkerRole role();

    EventKind event();
}
