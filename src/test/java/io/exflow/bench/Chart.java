package io.exflow.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

/** Throughput and p99 versus offered load, per deployment, drawn with Java2D (no dependencies). */
final class Chart {
    static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd)};

    static void write(Results r, Path file) throws Exception {
        int w = 900, h = 480, left = 80, right = 80, top = 50, bottom = 70;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        // x: offered load (fixed loads, then "saturation" as the last point), y1: achieved/s, y2: p99 ms (log-free, linear)
        List<String> xs = new ArrayList<>();
        double maxTput = 100, maxP99 = 100;
        for (Results.Deployment d : r.deployments.values()) {
            for (var e : d.fixedLoads.entrySet()) {
                if (!xs.contains(e.getKey() + "/s")) {
                    xs.add(e.getKey() + "/s");
                }
                maxTput = Math.max(maxTput, e.getValue().throughput);
                maxP99 = Math.max(maxP99, e.getValue().p99);
            }
            maxTput = Math.max(maxTput, d.median(x -> x.throughput));
            maxP99 = Math.max(maxP99, d.median(x -> x.p99));
        }
        xs.add("saturation");
        maxTput = nice(maxTput);
        maxP99 = nice(maxP99);
        int pw = w - left - right, ph = h - top - bottom;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(new Color(0xdddddd));
        for (int i = 0; i <= 5; i++) {
            int y = top + ph - ph * i / 5;
            g.drawLine(left, y, left + pw, y);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, pw, ph);
        for (int i = 0; i <= 5; i++) {
            int y = top + ph - ph * i / 5;
            g.drawString(String.format(Locale.ROOT, "%.0f", maxTput * i / 5), 10, y + 4);
            g.drawString(String.format(Locale.ROOT, "%.0f", maxP99 * i / 5), left + pw + 8, y + 4);
        }
        for (int i = 0; i < xs.size(); i++) {
            g.drawString(xs.get(i), x(i, xs.size(), left, pw) - 20, top + ph + 20);
        }
        g.drawString("offered load", left + pw / 2 - 30, top + ph + 45);
        g.drawString("exceptions/s closed (solid)", 10, top - 12);
        g.drawString("p99 ms ingested->closed (dashed)", left + pw - 180, top - 12);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString("exflow end to end: throughput and p99 vs offered load", left + 150, 22);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int c = 0;
        for (Results.Deployment d : r.deployments.values()) {
            Color col = COLORS[c % COLORS.length];
            int[] tx = new int[xs.size()], ty = new int[xs.size()], ly = new int[xs.size()];
            int n = 0;
            for (var e : d.fixedLoads.entrySet()) {
                int i = xs.indexOf(e.getKey() + "/s");
                tx[n] = x(i, xs.size(), left, pw);
                ty[n] = top + ph - (int) (ph * e.getValue().throughput / maxTput);
                ly[n] = top + ph - (int) (ph * e.getValue().p99 / maxP99);
                n++;
            }
            if (!d.saturation.isEmpty()) {
                tx[n] = x(xs.size() - 1, xs.size(), left, pw);
                ty[n] = top + ph - (int) (ph * d.median(x -> x.throughput) / maxTput);
                ly[n] = top + ph - (int) (ph * d.median(x -> x.p99) / maxP99);
                n++;
            }
            g.setColor(col);
            g.setStroke(new BasicStroke(2.5f));
            g.drawPolyline(tx, ty, n);
            g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 5f}, 0f));
            g.drawPolyline(tx, ly, n);
            for (int i = 0; i < n; i++) {
                g.fillOval(tx[i] - 4, ty[i] - 4, 8, 8);
                g.drawRect(tx[i] - 3, ly[i] - 3, 6, 6);
            }
            g.drawString("WORKER_TYPE " + (d.name.equals("all") ? "=all (1 process)" : "per role (8 processes)"), left + 10,
                    top + 18 + 16 * c);
            c++;
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    static int x(int i, int n, int left, int pw) {
        return left + (int) (pw * (i + 0.5) / n);
    }

    static double nice(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }
}
