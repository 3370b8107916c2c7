package io.exflow.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The JVM image as the pom's JKube (Jib) configuration builds it. Jib cannot read a Dockerfile,
 * so the pom restates src/main/docker/Dockerfile.jvm; {@link #differences} keeps them equal.
 */
record JkubeImage(String from, String user, Set<String> ports, Map<String, String> env, List<String> entryPoint,
        Map<String, String> properties) {

    static JkubeImage read(Path pom) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(false);
            Document doc = factory.newDocumentBuilder().parse(pom.toFile());
            Map<String, String> properties = new LinkedHashMap<>();
            Element props = first(doc.getDocumentElement(), "properties");
            if (props != null) {
                for (Element p : children(props)) {
                    properties.put(p.getTagName(), p.getTextContent().strip());
                }
            }
            Element plugin = null;
            Element build = first(doc.getDocumentElement(), "build");
            for (Element candidate : children(first(build, "plugins"))) {
                if ("kubernetes-maven-plugin".equals(text(candidate, "artifactId"))) {
                    plugin = candidate;
                }
            }
            if (plugin == null) {
                throw new IllegalStateException("pom.xml has no kubernetes-maven-plugin in build/plugins");
            }
            Element image = first(first(first(plugin, "configuration"), "images"), "image");
            Element imageBuild = first(image, "build");
            Set<String> ports = new TreeSet<>();
            children(first(imageBuild, "ports")).forEach(p -> ports.add(p.getTextContent().strip()));
            Map<String, String> env = new LinkedHashMap<>();
            children(first(imageBuild, "env")).forEach(e -> env.put(e.getTagName(), e.getTextContent().strip()));
            List<String> entryPoint = new ArrayList<>();
            children(first(first(imageBuild, "entryPoint"), "exec")).forEach(a -> entryPoint.add(a.getTextContent().strip()));
            return new JkubeImage(interpolate(text(imageBuild, "from"), properties), text(imageBuild, "user"), ports, env, entryPoint, properties);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the JKube image configuration of " + pom + ": " + e.getMessage(), e);
        }
    }

    /** Where the Dockerfile builds a different image than this configuration. */
    List<String> differences(Dockerfile dockerfile) {
        List<String> problems = new ArrayList<>();
        String from = dockerfile.all("FROM").get(0).arguments().split("\\s+")[0];
        if (!from.equals(this.from)) {
            problems.add("base image: Dockerfile " + from + ", JKube " + this.from);
        }
        List<Dockerfile.Instruction> users = dockerfile.inFinalStage("USER");
        String user = users.isEmpty() ? null : users.get(users.size() - 1).arguments();
        if (!String.valueOf(user).equals(this.user)) {
            problems.add("user: Dockerfile " + user + ", JKube " + this.user);
        }
        Set<String> exposed = new TreeSet<>();
        dockerfile.inFinalStage("EXPOSE").forEach(e -> exposed.addAll(List.of(e.arguments().split("\\s+"))));
        if (!exposed.equals(ports)) {
            problems.add("ports: Dockerfile " + exposed + ", JKube " + ports);
        }
        Map<String, String> dockerEnv = new LinkedHashMap<>();
        for (Dockerfile.Instruction e : dockerfile.inFinalStage("ENV")) {
            String[] kv = e.arguments().split("=", 2);
            dockerEnv.put(kv[0].strip(), kv.length > 1 ? kv[1].strip().replaceAll("^['\"]|['\"]$", "") : "");
        }
        if (!dockerEnv.equals(env)) {
            problems.add("env: Dockerfile " + dockerEnv + ", JKube " + env);
        }
        List<Dockerfile.Instruction> entrypoints = dockerfile.inFinalStage("ENTRYPOINT");
        String entry = entrypoints.isEmpty() ? "" : entrypoints.get(0).arguments().replaceAll("[\\[\\]\"]", "").strip();
        if (!entry.equals(String.join(", ", entryPoint)) && !List.of(entry.split("\\s*,\\s*")).equals(entryPoint)) {
            problems.add("entrypoint: Dockerfile " + entry + ", JKube " + entryPoint);
        }
        return problems;
    }

    private static String interpolate(String value, Map<String, String> properties) {
        String out = value;
        for (Map.Entry<String, String> p : properties.entrySet()) {
            out = out.replace("${" + p.getKey() + "}", p.getValue());
        }
        return out;
    }

    private static Element first(Element parent, String tag) {
        if (parent == null) {
            return null;
        }
        for (Element child : children(parent)) {
            if (child.getTagName().equals(tag)) {
                return child;
            }
        }
        return null;
    }

    private static List<Element> children(Element parent) {
        List<Element> elements = new ArrayList<>();
        if (parent == null) {
            return elements;
        }
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE) {
                elements.add((Element) nodes.item(i));
            }
        }
        return elements;
    }

    private static String text(Element parent, String tag) {
        Element e = first(parent, tag);
        return e == null ? null : e.getTextContent().strip();
    }
}
