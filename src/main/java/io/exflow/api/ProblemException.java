package io.exflow.api;

import java.util.Map;

/** Thrown by the api's rules; {@link ProblemMappers} turns it into a problem+json response. */
public class ProblemException extends RuntimeException {
    private final Problem problem;
    private final Map<String, String> headers;

    public ProblemException(Problem problem, Map<String, String> headers) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
        this.headers = headers;
    }

    public ProblemException(Problem problem) {
        this(problem, Map.of());
    }

    public Problem problem() {
        return problem;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(Problem.of(400, "invalid-request", "Invalid request", detail));
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(Problem.of(404, "not-found", "Not found", detail));
    }

    /** Deliberately the same for "tenant exists but not yours" and "no such tenant": nothing leaks. */
    public static ProblemException tenantForbidden() {
        return new ProblemException(Problem.of(403, "tenant-forbidden", "Forbidden",
                "the token does not allow acting for this tenant"));
    }

    /** The caller may act for the tenant, but not in the role this operation needs. */
    public static ProblemException roleForbidden() {
        return new ProblemException(Problem.of(403, "role-forbidden", "Forbidden",
                "the token lacks the role this operation needs"));
    }

    public static ProblemException conflict(String slug, String detail) {
        return new ProblemException(Problem.of(409, slug, "Conflict", detail));
    }
}
