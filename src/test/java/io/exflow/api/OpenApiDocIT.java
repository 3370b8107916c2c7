package io.exflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.Roles;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The OpenAPI document served on the management port is the one committed in docs/openapi.yaml,
 * so the repository's copy cannot go stale. On a difference the served one is written to
 * target/openapi.yaml: review it and copy it over docs/openapi.yaml.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@TestProfile(Roles.ApiIntakeAndTriage.class)
class OpenApiDocIT {
    @TestHTTPResource(value = "/", management = true)
    URL managementRoot;

    @Test
    void servedDocumentEqualsTheCommittedOne() throws Exception {
        URI uri = URI.create("http://" + managementRoot.getHost() + ":" + managementRoot.getPort() + "/q/openapi");
        HttpResponse<String> served = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(served.statusCode()).isEqualTo(200);
        String document = served.body().strip() + "\n";
        assertThat(document).contains("/api/v1/tenants/{tenant}/exceptions", "/api/v1/tenants/{tenant}/dead-letters");
        Path committed = Path.of("docs/openapi.yaml");
        String expected = Files.exists(committed) ? Files.readString(committed) : "";
        if (!document.equals(expected)) {
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target/openapi.yaml"), document);
        }
        assertThat(document).as("docs/openapi.yaml is stale: the served document is in target/openapi.yaml; "
                + "review it and copy it to docs/openapi.yaml").isEqualTo(expected);
    }
}
