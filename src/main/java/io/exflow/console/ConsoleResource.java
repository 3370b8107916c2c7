package io.exflow.console;

import java.net.URI;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.api.Approvals;
import io.exflow.api.Caller;
import io.exflow.api.Grants;
import io.exflow.api.DeadLetterStore;
import io.exflow.api.ExceptionViews;
import io.exflow.api.ProblemException;
import io.exflow.api.Tenants;
import io.exflow.domain.Packs;
import io.exflow.packs.TenantPack;
import io.exflow.worker.intake.PiiRedactor;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.oidc.OidcConfigurationMetadata;
import io.quarkus.oidc.OidcSession;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.Authenticated;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import jakarta.ws.rs.core.UriInfo;

/**
 * The operator console: server-rendered pages under {@code /console} on the api's port. Who may
 * see what is the api's rule, through the same {@link Caller} and {@link Tenants} checks: a valid
 * token with role {@code operator} or {@code approver}, a tenant the token names; approving needs
 * {@code approver}, replaying and discarding dead letters {@code operator}. Every state-changing
 * form carries the CSRF token of the session (double-submit: cookie and form field must match) and
 * is audited. Queues and Workers show fleet figures (lag, queue depths, processes), no tenant data.
 */
@Path("/console")
@Produces(MediaType.TEXT_HTML)
public class ConsoleResource {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<String> DL_STATUSES = Set.of("PENDING", "REPLAYED", "DISCARDED");
    private static final int MAX_REASON_CHARS = 500;

    @Inject
    Caller caller;
    @Inject
    SecurityIdentity identity;
    @Inject
    Tenants tenants;
    @Inject
    ConsoleData data;
    @Inject
    ExceptionViews views;
    @Inject
    Approvals approvals;
    @Inject
    DeadLetterStore deadLetters;
    @Inject
    FleetView fleet;
    @Inject
    ConsoleAudit audit;
    @Inject
    Packs packs;
    @Inject
    ObjectMapper mapper;
    @Inject
    JWTParser jwtParser;
    @Inject
    io.exflow.api.ApiSettings apiSettings;
    /** Looked up only with the provider's sign-in on (they exist for quarkus-oidc's console tenant). */
    @Inject
    Instance<OidcSession> oidcSession;
    @Inject
    Instance<OidcConfigurationMetadata> oidcMetadata;
    /** Operators sign in at the identity provider (quarkus-oidc); the pasted-token login is off then. */
    @ConfigProperty(name = "exflow.console.oidc.enabled")
    boolean oidc;
    @Context
    UriInfo uri;
    @CookieParam(ConsoleHttp.CSRF_COOKIE)
    String csrfCookie;

    @Location("console/login.html")
    Template login;
    @Location("console/error.html")
    Template error;
    @Location("console/signedout.html")
    Template signedOut;
    @Location("console/sessionended.html")
    Template sessionEnded;
    @Location("console/overview.html")
    Template overview;
    @Location("console/exceptions.html")
    Template exceptions;
    @Location("console/exception.html")
    Template exception;
    @Location("console/deadletters.html")
    Template deadLetterList;
    @Location("console/deadletter.html")
    Template deadLetter;
    @Location("console/confirm.html")
    Template confirm;
    @Location("console/done.html")
    Template done;
    @Location("console/queues.html")
    Template queues;
    @Location("console/workers.html")
    Template workers;

    // ---- session ------------------------------------------------------------------------------

    @GET
    @Path("/login")
    @PermitAll
    public Response loginPage(@QueryParam("error") String problem) {
        if (oidc) {
            // reached signed in (the provider's sign-in guards every console path): nothing to paste
            return Response.seeOther(URI.create(ConsoleHttp.BASE)).build();
        }
        if (!apiSettings.consoleTokenLogin()) {
            return errorPage(404, "No login page", "this deployment authenticates the console through its identity "
                    + "proxy (CONSOLE_TOKEN_LOGIN=false)");
        }
        return Response.ok(login.data("problem", problem).data("tenant", null)).build();
    }

    /** Dev and test: an operator pastes a token; it is verified like an api token and kept in an HttpOnly cookie. */
    @POST
    @Path("/login")
    @PermitAll
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response login(@FormParam("token") String token) {
        if (!apiSettings.consoleTokenLogin() || oidc) {
            return Response.status(404).build();
        }
        String problem = null;
        if (token == null || token.isBlank()) {
            problem = "paste a token";
        } else {
            try {
                JsonWebToken jwt = jwtParser.parse(token.trim());
                // the same claim mapping the api applies to every request (GrantsAugmentor)
                Grants grants = apiSettings.claimMapping().grants(jwt::getClaim);
                if (grants.tenants().isEmpty()) {
                    problem = "the token names no tenant";
                } else if (!grants.roles().contains(Grants.OPERATOR) && !grants.roles().contains(Grants.APPROVER)) {
                    problem = "the token has neither the operator nor the approver role";
                }
            } catch (ParseException e) {
                problem = "the token is not valid (signature, issuer or expiry)";
            }
        }
        if (problem != null) {
            return Response.status(401).entity(login.data("problem", problem).data("tenant", null)).build();
        }
        return Response.seeOther(URI.create(ConsoleHttp.BASE))
                .cookie(cookie(ConsoleHttp.SESSION_COOKIE, token.trim(), -1), cookie(ConsoleHttp.CSRF_COOKIE, newToken(), -1))
                .build();
    }

    @POST
    @Path("/logout")
    @Authenticated // also an account without a console role, refused everywhere else, can sign out
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response logout(@FormParam("csrf") String csrf) {
        requireCsrf(csrf);
        if (oidc) {
            return providerLogout();
        }
        return Response.seeOther(URI.create(ConsoleHttp.BASE + "/login"))
                .cookie(cookie(ConsoleHttp.SESSION_COOKIE, "", 0), cookie(ConsoleHttp.CSRF_COOKIE, "", 0)).build();
    }

    /**
     * Ends the console session (quarkus-oidc's session cookie) and sends the browser to the provider's
     * end-session endpoint (OpenID Connect RP-initiated logout), which ends the provider's session
     * too and returns to the signed-out page. Done here rather than by quarkus-oidc's logout path so
     * that signing out is a POST with the session's CSRF token like every other console action.
     */
    private Response providerLogout() {
        OidcSession session = oidcSession.get();
        String idToken = session.getIdToken().getRawToken();
        String endSession = oidcMetadata.get().getEndSessionUri();
        session.logout().await().indefinitely();
        URI signedOutPage = uri.getBaseUriBuilder().path("console/signed-out").build();
        URI next = endSession == null ? signedOutPage
                : UriBuilder.fromUri(endSession).queryParam("id_token_hint", idToken)
                        .queryParam("post_logout_redirect_uri", signedOutPage).build();
        return Response.seeOther(next).cookie(cookie(ConsoleHttp.CSRF_COOKIE, "", 0)).build();
    }

    /** Where the provider sends the browser after signing out (quarkus-oidc's post-logout path). */
    @GET
    @Path("/signed-out")
    @PermitAll
    public Response signedOut() {
        return Response.ok(signedOut.data("tenant", null)).build();
    }

    /**
     * Where quarkus-oidc sends the browser when the console session can no longer be refreshed (its
     * session-expired-path): the provider refused the refresh because its session has ended, or the
     * refresh token has expired with it. quarkus-oidc has removed the session cookie by then. A live
     * region's background request (htmx) follows that redirect too: it is told to load this page as a
     * whole, so an open page does not go on showing a session that is over.
     */
    @GET
    @Path("/session-ended")
    @PermitAll
    public Response sessionEnded(@HeaderParam("HX-Request") String htmxRequest) {
        if (htmxRequest != null) {
            return Response.ok().header("HX-Redirect", ConsoleHttp.BASE + "/session-ended").build();
        }
        return Response.ok(sessionEnded.data("tenant", null)).build();
    }

    /** Where quarkus-oidc sends the browser when the provider answered the sign-in with an error. */
    @GET
    @Path("/sign-in-failed")
    @PermitAll
    public Response signInFailed(@QueryParam("error") String code, @QueryParam("error_description") String description) {
        String detail = "the identity provider did not sign you in" + (code == null ? "" : " (" + code
                + (description == null ? "" : ": " + description) + ")");
        return Response.status(401).entity(error.data("status", 401).data("title", "Sign-in failed").data("detail", detail)
                .data("signOut", false).data("csrf", "").data("tenant", null)).build();
    }

    /**
     * Signed in, but without the operator or approver role in any tenant (a provider account that
     * exists for other applications): a page that says so, with a way to sign out, instead of the
     * api's problem+json.
     */
    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return errorPage(403, "Forbidden", "this account holds neither the operator nor the approver role in any tenant");
    }

    @GET
    @RolesAllowed({ "operator", "approver" })
    public Response home() {
        List<String> mine = visibleTenants();
        if (mine.isEmpty()) {
            return fail(new ProblemException(io.exflow.api.Problem.of(403, "tenant-forbidden", "Forbidden",
                    "the token names no tenant")), null);
        }
        return Response.seeOther(URI.create(ConsoleHttp.BASE + "/t/" + mine.get(0) + "/overview")).build();
    }

    // ---- overview -----------------------------------------------------------------------------

    @GET
    @Path("/t/{tenant}/overview")
    @RolesAllowed({ "operator", "approver" })
    public Response overview(@PathParam("tenant") String tenant, @QueryParam("part") String part) {
        return page(tenant, "overview", () -> {
            Instant now = Instant.now();
            Map<String, Long> byState = data.exceptionsByState(tenant);
            List<Map<String, Object>> stages = new ArrayList<>();
            Map<String, ConsoleData.StageSeries> errors = new HashMap<>();
            data.errorsPerStage(tenant).forEach(s -> errors.put(s.stage(), s));
            for (ConsoleData.StageSeries s : data.eventsPerStage(tenant)) {
                stages.add(Map.of("stage", s.stage(), "total", s.total(), "perSecond",
                        String.format(java.util.Locale.ROOT, "%.2f", s.total() / 900.0), "chart", Charts.minuteBars(s.buckets(), now)));
            }
            List<Map<String, Object>> errorRows = new ArrayList<>();
            errors.values().forEach(s -> errorRows.add(Map.of("stage", s.stage(), "total", s.total(), "chart",
                    Charts.minuteBars(s.buckets(), now))));
            return (part != null ? overview.getFragment("live") : overview)
                    .data("byState", byState).data("stateChart", Charts.stacked(byState))
                    .data("open", byState.entrySet().stream().filter(e -> !Set.of("RESOLVED", "ESCALATED", "BLOCKED",
                            "REJECTED").contains(e.getKey())).mapToLong(Map.Entry::getValue).sum())
                    .data("sla", data.slaNow(tenant)).data("deadLettersPending", data.deadLettersPending(tenant))
                    .data("outboxBacklog", fleet.outboxBacklog()).data("stages", stages).data("errors", errorRows)
                    .data("now", now);
        });
    }

    // ---- exceptions ---------------------------------------------------------------------------

    @GET
    @Path("/t/{tenant}/exceptions")
    @RolesAllowed({ "operator", "approver" })
    public Response exceptions(@PathParam("tenant") String tenant, @QueryParam("state") String state,
            @QueryParam("severity") String severity, @QueryParam("type") String type, @QueryParam("since") String since,
            @QueryParam("q") String search, @QueryParam("part") String part) {
        return page(tenant, "exceptions", () -> {
            ConsoleData.Filter f = new ConsoleData.Filter(blank(state), blank(severity), blank(type), sinceOf(since),
                    blank(search));
            return (part != null ? exceptions.getFragment("rows") : exceptions).data("rows", data.exceptions(tenant, f))
                    .data("f", f).data("sinceText", since == null ? "" : since)
                    .data("states", data.distinct(tenant, "state")).data("severities", data.distinct(tenant, "severity"))
                    .data("types", data.distinct(tenant, "exception_type")).data("query", uri.getRequestUri().getRawQuery());
        });
    }

    @GET
    @Path("/t/{tenant}/exceptions/{id}")
    @RolesAllowed({ "operator", "approver" })
    public Response exception(@PathParam("tenant") String tenant, @PathParam("id") String id, @QueryParam("part") String part,
            @QueryParam("done") String doneMessage) {
        return page(tenant, "exceptions", () -> {
            UUID exceptionId = uuid(id);
            ExceptionViews.ExceptionView view = views.find(tenant, exceptionId);
            if (view == null) {
                throw ProblemException.notFound("no such exception");
            }
            List<Map<String, Object>> timeline = new ArrayList<>();
            for (ExceptionViews.TimelineEntry e : views.timeline(tenant, exceptionId)) {
                timeline.add(Map.of("at", e.at(), "type", e.eventType(), "actor", e.actor(),
                        "detail", e.detail() == null ? "(raw submission: not shown)" : e.detail().toString()));
            }
            return (part != null ? exception.getFragment("live") : exception).data("e", view).data("timeline", timeline)
                    .data("playbook", view.playbookRun() == null ? null : view.playbookRun().toString())
                    .data("tools", data.toolAttempts(tenant, exceptionId)).data("redactions", data.redactions(tenant, exceptionId))
                    .data("canApprove", "AWAITING_APPROVAL".equals(view.state()) && holds(tenant, Grants.APPROVER))
                    .data("done", doneMessage);
        });
    }

    @POST
    @Path("/t/{tenant}/exceptions/{id}/approval")
    @RolesAllowed({ "operator", "approver" })
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response approve(@PathParam("tenant") String tenant, @PathParam("id") String id, @FormParam("csrf") String csrf,
            @FormParam("decision") String decision, @FormParam("comment") String comment) {
        return action(tenant, () -> {
            requireCsrf(csrf);
            requireRole(tenant, Grants.APPROVER);
            tenants.requireActive(caller, tenant);
            UUID exceptionId = uuid(id);
            if (!"approve".equals(decision) && !"reject".equals(decision)) {
                throw ProblemException.badRequest("decision must be approve or reject");
            }
            String text = blank(comment);
            if (text != null && text.length() > Approvals.MAX_COMMENT_CHARS) {
                throw ProblemException.badRequest("the comment is longer than " + Approvals.MAX_COMMENT_CHARS + " characters");
            }
            String action = "approve".equals(decision) ? "exception.approve" : "exception.reject";
            try {
                Approvals.Answer answer = approvals.decide(tenant, exceptionId, "approve".equals(decision), text,
                        caller.subject());
                audit.record(caller.subject(), tenant, action, "exception:" + exceptionId, "OK", answer.decision().name());
                return Response.seeOther(URI.create(ConsoleHttp.BASE + "/t/" + tenant + "/exceptions/" + exceptionId
                        + "?done=" + answer.decision().name())).build();
            } catch (ProblemException e) {
                audit.record(caller.subject(), tenant, action, "exception:" + exceptionId, "REFUSED", e.problem().detail());
                throw e;
            }
        });
    }

    // ---- dead letters -------------------------------------------------------------------------

    @GET
    @Path("/t/{tenant}/dead-letters")
    @RolesAllowed({ "operator", "approver" })
    public Response deadLetters(@PathParam("tenant") String tenant, @QueryParam("status") String status,
            @QueryParam("reason") String reason, @QueryParam("consumer") String consumer) {
        return page(tenant, "dead-letters", () -> {
            DeadLetterStore.Scope scope = new DeadLetterStore.Scope(tenant);
            DeadLetterStore.Filter f = dlFilter(status == null ? "PENDING" : status, reason, consumer);
            return deadLetterList.data("page", deadLetters.list(scope, f, null, DeadLetterStore.MAX_LIMIT))
                    .data("stats", deadLetters.stats(scope)).data("f", f).data("statusText", status == null ? "PENDING" : status)
                    .data("statuses", List.of("PENDING", "REPLAYED", "DISCARDED", "ALL"))
                    .data("canOperate", holds(tenant, Grants.OPERATOR));
        });
    }

    @GET
    @Path("/t/{tenant}/dead-letters/{id}")
    @RolesAllowed({ "operator", "approver" })
    public Response deadLetter(@PathParam("tenant") String tenant, @PathParam("id") long id) {
        return page(tenant, "dead-letters", () -> {
            DeadLetterStore.Entry entry = deadLetters.get(new DeadLetterStore.Scope(tenant), id);
            if (entry == null) {
                throw ProblemException.notFound("no such dead letter");
            }
            return deadLetter.data("d", entry).data("payload", redactedPayload(tenant, entry))
                    .data("canOperate", holds(tenant, Grants.OPERATOR));
        });
    }

    /** First step of replay/discard: what would be touched, and a form to confirm it. */
    @POST
    @Path("/t/{tenant}/dead-letters/confirm")
    @RolesAllowed({ "operator", "approver" })
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response confirmDeadLetters(@PathParam("tenant") String tenant, @FormParam("csrf") String csrf,
            @FormParam("action") String action, @FormParam("id") List<Long> ids, @FormParam("all") String all,
            @FormParam("reason") String reason, @FormParam("consumer") String consumer) {
        return page(tenant, "dead-letters", () -> {
            requireCsrf(csrf);
            requireRole(tenant, Grants.OPERATOR);
            Batch batch = batch(tenant, action, ids, all, reason, consumer);
            return confirm.data("action", batch.action).data("ids", batch.ids).data("count", batch.ids.size())
                    .data("byFilter", batch.byFilter).data("reason", blank(reason)).data("consumer", blank(consumer));
        });
    }

    /** Second step: replays or discards exactly the confirmed entries, each in its own transaction, and counts. */
    @POST
    @Path("/t/{tenant}/dead-letters/execute")
    @RolesAllowed({ "operator", "approver" })
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response executeDeadLetters(@PathParam("tenant") String tenant, @FormParam("csrf") String csrf,
            @FormParam("action") String action, @FormParam("id") List<Long> ids, @FormParam("note") String note) {
        return page(tenant, "dead-letters", () -> {
            requireCsrf(csrf);
            requireRole(tenant, Grants.OPERATOR);
            boolean replay = "replay".equals(action);
            if (!replay && !"discard".equals(action)) {
                throw ProblemException.badRequest("action must be replay or discard");
            }
            String text = blank(note);
            if (!replay && text == null) {
                throw ProblemException.badRequest("a discard needs a reason");
            }
            if (text != null && text.length() > MAX_REASON_CHARS) {
                throw ProblemException.badRequest("the reason is longer than " + MAX_REASON_CHARS + " characters");
            }
            if (ids == null || ids.isEmpty() || ids.size() > DeadLetterStore.MAX_BATCH) {
                throw ProblemException.badRequest("select 1 to " + DeadLetterStore.MAX_BATCH + " dead letters");
            }
            if (replay) {
                tenants.requireActive(caller, tenant);
            }
            DeadLetterStore.Scope scope = new DeadLetterStore.Scope(tenant);
            List<Long> succeeded = new ArrayList<>();
            Map<Long, String> skipped = new LinkedHashMap<>();
            for (Long id : ids.stream().distinct().toList()) {
                try {
                    QuarkusTransaction.requiringNew().run(() -> {
                        if (replay) {
                            deadLetters.replay(scope, id, caller.subject(), text);
                        } else {
                            deadLetters.discard(scope, id, caller.subject(), text);
                        }
                    });
                    succeeded.add(id);
                    audit.record(caller.subject(), tenant, "dead-letter." + action, "dead-letter:" + id, "OK", text);
                } catch (ProblemException e) {
                    skipped.put(id, e.problem().detail());
                    audit.record(caller.subject(), tenant, "dead-letter." + action, "dead-letter:" + id, "SKIPPED",
                            e.problem().detail());
                }
            }
            return done.data("action", action).data("succeeded", succeeded).data("skipped", skipped);
        });
    }

    private record Batch(String action, List<Long> ids, boolean byFilter) {
    }

    private Batch batch(String tenant, String action, List<Long> ids, String all, String reason, String consumer) {
        if (!"replay".equals(action) && !"discard".equals(action)) {
            throw ProblemException.badRequest("action must be replay or discard");
        }
        if ("replay".equals(action)) {
            tenants.requireActive(caller, tenant);
        }
        boolean byFilter = "filter".equals(all);
        if (!byFilter && (ids == null || ids.isEmpty())) {
            throw ProblemException.badRequest("select at least one dead letter, or choose every one matching the filter");
        }
        List<Long> pending = deadLetters.pendingIds(new DeadLetterStore.Scope(tenant), dlFilter("PENDING", reason, consumer),
                byFilter ? null : ids, DeadLetterStore.MAX_BATCH);
        return new Batch(action, pending, byFilter);
    }

    // ---- fleet --------------------------------------------------------------------------------

    @GET
    @Path("/t/{tenant}/queues")
    @RolesAllowed({ "operator", "approver" })
    public Response queues(@PathParam("tenant") String tenant, @QueryParam("part") String part) {
        return page(tenant, "queues", () -> {
            QueueFigures f = queueFigures();
            return (part != null ? queues.getFragment("live") : queues).data("lag", f.lag()).data("lagProblem", f.lagProblem())
                    .data("tool", f.tool()).data("retries", f.retries()).data("outboxBacklog", f.outboxBacklog());
        });
    }

    /**
     * What the Queues page shows — lag per consumer group with KEDA's replica preview, the tool
     * queues, the retry and outbox backlogs — read once.
     */
    public record QueueFigures(List<FleetView.GroupLag> lag, String lagProblem, FleetView.ToolQueues tool,
            List<FleetView.RetryBacklog> retries, long outboxBacklog) {
    }

    /**
     * The Queues page's figures as JSON, for a terminal beside the page (bin/load prints them
     * while it drives load): the same reads, so both always agree. Same credentials and tenant
     * check as the page; fleet figures, no tenant data.
     */
    @GET
    @Path("/t/{tenant}/queues.json")
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({ "operator", "approver" })
    public QueueFigures queuesAsJson(@PathParam("tenant") String tenant) {
        tenants.requireReadable(caller, tenant);
        return queueFigures();
    }

    private QueueFigures queueFigures() {
        List<FleetView.GroupLag> lag;
        String lagProblem = null;
        try {
            lag = fleet.kafkaLag();
        } catch (Exception e) {
            lag = List.of();
            lagProblem = "Kafka did not answer: " + e.getMessage();
        }
        return new QueueFigures(lag, lagProblem, fleet.toolQueues(), fleet.retryBacklog(), fleet.outboxBacklog());
    }

    @GET
    @Path("/t/{tenant}/workers")
    @RolesAllowed({ "operator", "approver" })
    public Response workers(@PathParam("tenant") String tenant, @QueryParam("part") String part) {
        return page(tenant, "workers", () -> {
            List<FleetView.Process> processes = fleet.processes();
            return (part != null ? workers.getFragment("live") : workers).data("processes", processes)
                    .data("byRole", fleet.processesByRole(processes)).data("now", Instant.now());
        });
    }

    // ---- shared -------------------------------------------------------------------------------

    /** A page of one tenant: the api's tenant check first (403 if the token does not name it, 404 if unknown). */
    private Response page(String tenant, String active, java.util.function.Supplier<TemplateInstance> body) {
        try {
            tenants.requireReadable(caller, tenant);
            String csrf = csrfCookie == null || csrfCookie.isBlank() ? newToken() : csrfCookie;
            TemplateInstance t = body.get().data("tenant", tenant).data("tenants", visibleTenants()).data("active", active)
                    .data("actor", identity.getPrincipal().getName())
                    .data("roles", String.join(", ", caller.grants().rolesIn(tenant).stream().sorted().toList()))
                    .data("csrf", csrf).data("base", ConsoleHttp.BASE);
            Response.ResponseBuilder r = Response.ok(t);
            if (!csrf.equals(csrfCookie)) {
                r.cookie(cookie(ConsoleHttp.CSRF_COOKIE, csrf, -1));
            }
            return r.build();
        } catch (ProblemException e) {
            return fail(e, tenant);
        }
    }

    private Response action(String tenant, java.util.function.Supplier<Response> body) {
        try {
            tenants.requireReadable(caller, tenant);
            return body.get();
        } catch (ProblemException e) {
            return fail(e, tenant);
        }
    }

    private Response fail(ProblemException e, String tenant) {
        return errorPage(e.problem().status(), e.problem().title(), e.problem().detail());
    }

    /** An error as a page (the api answers problem+json; a browser gets HTML), without the tenant navigation. */
    private Response errorPage(int status, String title, String detail) {
        boolean signOut = oidc && !identity.isAnonymous();
        String csrf = csrfCookie == null || csrfCookie.isBlank() ? newToken() : csrfCookie;
        Response.ResponseBuilder r = Response.status(status).entity(error.data("status", status).data("title", title)
                .data("detail", detail).data("signOut", signOut).data("csrf", csrf).data("tenant", null));
        if (signOut && !csrf.equals(csrfCookie)) {
            r.cookie(cookie(ConsoleHttp.CSRF_COOKIE, csrf, -1));
        }
        return r.build();
    }

    private List<String> visibleTenants() {
        if (caller.platformAdmin()) {
            return data.allTenants();
        }
        return caller.tenants().stream().sorted().toList();
    }

    /** The role in this tenant (directly or as a platform admin): grants are per tenant, as in the api. */
    private boolean holds(String tenant, String role) {
        return caller.grants().rolesIn(tenant).contains(role);
    }

    private void requireRole(String tenant, String role) {
        if (!holds(tenant, role)) {
            throw new ProblemException(io.exflow.api.Problem.of(403, "role-forbidden", "Forbidden",
                    "this action needs the " + role + " role"));
        }
    }

    private void requireCsrf(String submitted) {
        if (submitted == null || csrfCookie == null || csrfCookie.isBlank()
                || !MessageDigest.isEqual(submitted.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        csrfCookie.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
            throw new ProblemException(io.exflow.api.Problem.of(403, "csrf-token-mismatch", "Forbidden",
                    "the form's CSRF token does not match this session; reload the page and try again"));
        }
    }

    /** A dead letter's original event as text, through the intake redactor first: an ingested event is the raw submission. */
    private String redactedPayload(String tenant, DeadLetterStore.Entry entry) {
        if (!entry.payloadIsJson()) {
            return null;
        }
        try {
            JsonNode raw = mapper.readTree(entry.payload());
            Set<String> extra = packs.all().tenant(tenant).map(TenantPack::piiFields).orElse(null);
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(PiiRedactor.redact(raw, extra).redacted());
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private DeadLetterStore.Filter dlFilter(String status, String reason, String consumer) {
        String s = blank(status);
        if (s != null && !"ALL".equals(s) && !DL_STATUSES.contains(s)) {
            throw ProblemException.badRequest("status must be one of " + DL_STATUSES + " or ALL");
        }
        return new DeadLetterStore.Filter("ALL".equals(s) ? null : s, blank(reason), blank(consumer), null, null);
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("no such exception");
        }
    }

    private static Instant sinceOf(String since) {
        String s = blank(since);
        if (s == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return java.time.LocalDateTime.parse(s).toInstant(java.time.ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                throw ProblemException.badRequest("since must be a time such as 2026-11-30T12:00 (UTC)");
            }
        }
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static String newToken() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private NewCookie cookie(String name, String value, int maxAge) {
        return new NewCookie.Builder(name).value(value).path(ConsoleHttp.BASE).httpOnly(true)
                .sameSite(NewCookie.SameSite.STRICT).secure("https".equals(uri.getRequestUri().getScheme()))
                .maxAge(maxAge).build();
    }
}
