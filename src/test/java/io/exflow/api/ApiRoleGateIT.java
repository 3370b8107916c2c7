package io.exflow.api;

import static io.exflow.api.ApiTestSupport.ACME;
import static io.exflow.api.ApiTestSupport.settlement;
import static io.exflow.api.ApiTestSupport.submit;
import static io.exflow.api.ApiTestSupport.tokenFor;
import static io.exflow.api.ExceptionsApiIT.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.exflow.testing.Db;
import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.Roles;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/** A process without the api role (here intake,triage) serves no REST endpoint: a valid request gets a 404 problem. */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@TestProfile(Roles.IntakeAndTriage.class)
class ApiRoleGateIT {
    @Inject
    DataSource dataSource;

    @Test
    void restEndpointsAnswer404WithoutTheApiRole() {
        Response r = submit(tokenFor(ACME, "ingest"), ACME, settlement(1));
        assertProblem(r, 404);
        assertThat(r.jsonPath().getString("detail")).contains("api role");
        assertProblem(ApiTestSupport.as(tokenFor(ACME)).get("/api/v1/tenants/{t}/dead-letters", ACME), 404);
        assertThat(new Db(dataSource).count("SELECT count(*) FROM exception_timeline")).isZero();
    }
}
