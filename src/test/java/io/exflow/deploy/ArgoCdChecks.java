package io.exflow.deploy;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Checks deploy/argocd against the overlays it deploys: the ApplicationSet finds every overlay,
 * targets the namespace the overlay renders into, ignores /spec/replicas drift, and its
 * AppProject admits every kind the overlays contain.
 */
final class ArgoCdChecks {

    static List<String> check(List<JsonNode> argocd, Map<Path, List<JsonNode>> renderedOverlays) {
        List<String> problems = new ArrayList<>();
        Optional<JsonNode> appSet = Yaml.ofKind(argocd, "ApplicationSet").stream().findFirst();
        Optional<JsonNode> project = Yaml.ofKind(argocd, "AppProject").stream().findFirst();
        if (appSet.isEmpty() || project.isEmpty()) {
            problems.add("deploy/argocd needs an ApplicationSet and an AppProject");
            return problems;
        }
        JsonNode spec = appSet.get().path("spec");
        JsonNode template = spec.path("template").path("spec");

        List<String> globs = new ArrayList<>();
        for (JsonNode generator : spec.path("generators")) {
            Yaml.list(generator, "git/directories").forEach(d -> globs.add(d.path("path").asText()));
        }
        String namespaceTemplate = Yaml.text(template, "destination/namespace");
        for (Map.Entry<Path, List<JsonNode>> overlay : renderedOverlays.entrySet()) {
            Path dir = overlay.getKey();
            boolean generated = globs.stream().anyMatch(g -> FileSystems.getDefault().getPathMatcher("glob:" + g).matches(dir));
            if (!generated) {
                problems.add("the ApplicationSet's git directories " + globs + " do not generate an Application for " + dir);
            }
            String expected = namespaceTemplate == null ? null : namespaceTemplate.replace("{{.path.basename}}", dir.getFileName().toString());
            Set<String> rendered = new TreeSet<>();
            overlay.getValue().forEach(d -> rendered.add(d.path("metadata").path("namespace").asText("<none>")));
            if (expected == null || !rendered.equals(Set.of(expected))) {
                problems.add("Application for " + dir + " deploys into " + expected + " but the overlay renders into " + rendered);
            }
        }

        boolean ignoresReplicas = Yaml.list(template, "ignoreDifferences").stream()
                .anyMatch(d -> "Deployment".equals(d.path("kind").asText()) && "apps".equals(d.path("group").asText())
                        && Yaml.list(d, "jsonPointers").stream().anyMatch(p -> "/spec/replicas".equals(p.asText())));
        if (!ignoresReplicas) {
            problems.add("the ApplicationSet does not ignore /spec/replicas of Deployments (KEDA changes it)");
        }
        boolean respects = Yaml.list(template, "syncPolicy/syncOptions").stream().anyMatch(o -> "RespectIgnoreDifferences=true".equals(o.asText()));
        if (!respects) {
            problems.add("the ApplicationSet does not sync with RespectIgnoreDifferences=true, so a sync would reset replicas");
        }

        String projectName = project.get().path("metadata").path("name").asText();
        if (!projectName.equals(template.path("project").asText())) {
            problems.add("Applications use project " + template.path("project").asText() + ", the AppProject is " + projectName);
        }
        JsonNode projectSpec = project.get().path("spec");
        String repo = Yaml.text(template, "source/repoURL");
        if (Yaml.list(projectSpec, "sourceRepos").stream().noneMatch(r -> r.asText().equals(repo) || r.asText().equals("*"))) {
            problems.add("the AppProject's sourceRepos do not include " + repo);
        }
        Set<String> allowed = new TreeSet<>();
        Yaml.list(projectSpec, "namespaceResourceWhitelist").forEach(gk -> allowed.add(gk.path("group").asText() + "/" + gk.path("kind").asText()));
        for (List<JsonNode> docs : renderedOverlays.values()) {
            for (JsonNode doc : docs) {
                String apiVersion = doc.path("apiVersion").asText();
                String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
                String gk = group + "/" + doc.path("kind").asText();
                if (!allowed.contains(gk) && !allowed.contains("*/*")) {
                    problems.add("the AppProject does not allow " + gk + ", which the overlays contain");
                    allowed.add(gk);
                }
            }
        }
        return problems;
    }

    private ArgoCdChecks() {
    }
}
