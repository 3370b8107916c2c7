package io.exflow.console;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * Small charts drawn on the server as inline SVG: no chart library, no script, nothing the
 * Content-Security-Policy has to allow. Every value is a number or an escaped label.
 */
final class Charts {
    private Charts() {
    }

    /** Per-minute bars of the last 15 minutes, oldest left. */
    static String minuteBars(List<ConsoleData.Bucket> buckets, Instant now) {
        int width = 150;
        int height = 28;
        long[] perMinute = new long[15];
        Instant start = now.truncatedTo(ChronoUnit.MINUTES).minus(14, ChronoUnit.MINUTES);
        for (ConsoleData.Bucket b : buckets) {
            long i = ChronoUnit.MINUTES.between(start, b.minute());
            if (i >= 0 && i < 15) {
                perMinute[(int) i] += b.count();
            }
        }
        long max = 1;
        for (long v : perMinute) {
            max = Math.max(max, v);
        }
        StringBuilder svg = new StringBuilder("<svg class=\"spark\" viewBox=\"0 0 " + width + " " + height + "\" width=\""
                + width + "\" height=\"" + height + "\" role=\"img\" aria-label=\"per minute, last 15 minutes\">");
        for (int i = 0; i < 15; i++) {
            int h = perMinute[i] == 0 ? 1 : (int) Math.max(2, Math.round((double) perMinute[i] / max * (height - 2)));
            svg.append("<rect x=\"").append(i * 10).append("\" y=\"").append(height - h).append("\" width=\"8\" height=\"")
                    .append(h).append("\"><title>").append(perMinute[i]).append("</title></rect>");
        }
        return svg.append("</svg>").toString();
    }

    /** One horizontal stacked bar of counts (e.g. exceptions by state), with a class per key for its colour. */
    static String stacked(Map<String, Long> counts) {
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        int width = 600;
        StringBuilder svg = new StringBuilder("<svg class=\"stack\" viewBox=\"0 0 " + width + " 18\" width=\"100%\" "
                + "height=\"18\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"share by state\">");
        double x = 0;
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            double w = total == 0 ? 0 : (double) e.getValue() / total * width;
            svg.append("<rect class=\"s-").append(cssName(e.getKey())).append("\" x=\"").append(String.format(java.util.Locale.ROOT, "%.1f", x))
                    .append("\" y=\"0\" width=\"").append(String.format(java.util.Locale.ROOT, "%.1f", w)).append("\" height=\"18\"><title>")
                    .append(cssName(e.getKey())).append(' ').append(e.getValue()).append("</title></rect>");
            x += w;
        }
        return svg.append("</svg>").toString();
    }

    static String cssName(String key) {
        return key == null ? "none" : key.replaceAll("[^A-Za-z0-9_-]", "_");
    }
}
