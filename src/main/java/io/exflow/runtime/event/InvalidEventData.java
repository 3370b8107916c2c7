package io.exflow.runtime.event;

/** An event's data does not have the shape its type promises: bad data, never worth a retry. */
public final class InvalidEventData extends IllegalArgumentException {
    public InvalidEventData(String message) {
        super(message);
    }
}
