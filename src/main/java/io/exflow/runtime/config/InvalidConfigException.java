package io.exflow.runtime.config;

/** A bad or missing setting; the message names the environment variable so operators can fix it. */
public class InvalidConfigException extends RuntimeException {
    private final String variable;

    public InvalidConfigException(String variable, String problem) {
        super("Invalid configuration: " + variable + " " + problem);
        this.variable = variable;
    }

    public String variable() {
        return variable;
    }
}
