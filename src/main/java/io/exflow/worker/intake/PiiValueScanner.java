package io.exflow.worker.intake;

import io.exflow.domain.events.PiiKind;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds personal data inside free text by its shape. Every pattern is anchored on both sides so
 * it never matches a fragment of a longer number or word, and most have a checksum or range
 * check, to leave amounts, dates, ISO timestamps, epoch millis and UUIDs alone.
 */
final class PiiValueScanner {

    /** A shape and a check on the matched text; a match failing the check is left as is. */
    private record Detector(PiiKind kind, Pattern pattern, Predicate<String> check) {
    }

    // Boundaries shared by the digit patterns: not inside a word or number, not right after
    // "x-" (the last group of a UUID), not before "-x" or ".5" (a longer token or a decimal).
    private static final String START = "(?<![\\w.+])(?<!\\w-)";
    private static final String END = "(?![\\w-]|\\.\\d)";

    private static final String NINO_INVALID_PREFIXES = "BG GB NK KN TN NT ZZ";
    private static final String DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE";

    // Order matters: e-mails first (they may contain digits), then the longest digit shapes.
    private static final List<Detector> DETECTORS = List.of(
            new Detector(PiiKind.EMAIL, Pattern.compile(
                    "(?<![\\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}(?![\\w-])"),
                    match -> true),
            new Detector(PiiKind.CARD_NUMBER, Pattern.compile(START + "\\d(?:[ -]?\\d){12,18}" + END),
                    match -> Luhn.isCardNumber(Luhn.digitsOf(match))),
            // US social security number: area not 000/666/9xx, group not 00, serial not 0000.
            new Detector(PiiKind.NATIONAL_ID, Pattern.compile(START + "\\d{3}-\\d{2}-\\d{4}" + END),
                    PiiValueScanner::isPlausibleSsn),
            // Canadian social insurance number, dash-separated, Luhn-valid.
            new Detector(PiiKind.NATIONAL_ID, Pattern.compile(START + "[1-79]\\d{2}-\\d{3}-\\d{3}" + END),
                    match -> Luhn.isValid(Luhn.digitsOf(match))),
            // UK national insurance number, e.g. "QQ 12 34 56 C" or "QQ123456C".
            new Detector(PiiKind.NATIONAL_ID, Pattern.compile(
                    "(?<![A-Za-z0-9])[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\\d{2} ?\\d{2} ?\\d{2} ?[A-D](?![A-Za-z0-9])"),
                    match -> !NINO_INVALID_PREFIXES.contains(match.substring(0, 2))),
            // Spanish DNI: 8 digits and a check letter.
            new Detector(PiiKind.NATIONAL_ID, Pattern.compile("(?<![A-Za-z0-9-])\\d{8}-?[A-Z](?![A-Za-z0-9])"),
                    PiiValueScanner::isValidDni),
            // International / E.164: "+" and 8–15 digits, optionally grouped.
            new Detector(PiiKind.PHONE, Pattern.compile("(?<![\\w+])\\+\\d(?:[ ().-]{0,2}\\d){6,14}" + END),
                    match -> {
                        int digits = Luhn.digitsOf(match).length();
                        return digits >= 8 && digits <= 15;
                    }),
            // North American: (415) 555-0100, 415-555-0100, 415.555.0100, 415 555 0100.
            new Detector(PiiKind.PHONE, Pattern.compile(START + "\\([2-9]\\d{2}\\) ?[2-9]\\d{2}[ .-]\\d{4}" + END),
                    match -> true),
            new Detector(PiiKind.PHONE, Pattern.compile(START + "[2-9]\\d{2}([ .-])[2-9]\\d{2}\\1\\d{4}" + END),
                    match -> true),
            // Trunk-prefixed national numbers with separators: 020 7946 0958, 030-1234-5678.
            new Detector(PiiKind.PHONE, Pattern.compile(START + "0\\d{2,4}[ -]\\d{3,4}[ -]\\d{3,4}" + END),
                    match -> true));

    private PiiValueScanner() {
    }

    /** The text with every finding replaced by its kind's token; {@code kinds} receives what was found. */
    static String redact(String text, Set<PiiKind> kinds) {
        String current = text;
        for (Detector detector : DETECTORS) {
            current = apply(detector, current, kinds);
        }
        return current;
    }

    private static String apply(Detector detector, String text, Set<PiiKind> kinds) {
        Matcher matcher = detector.pattern().matcher(text);
        StringBuilder out = null;
        int copied = 0;
        while (matcher.find()) {
            if (!detector.check().test(matcher.group())) {
                continue;
            }
            if (out == null) {
                out = new StringBuilder(text.length());
            }
            out.append(text, copied, matcher.start()).append(detector.kind().token());
            copied = matcher.end();
            kinds.add(detector.kind());
        }
        if (out == null) {
            return text;
        }
        return out.append(text, copied, text.length()).toString();
    }

    private static boolean isPlausibleSsn(String match) {
        String area = match.substring(0, 3);
        return !area.equals("000") && !area.equals("666") && area.charAt(0) != '9'
                && !match.startsWith("00", 4) && !match.endsWith("0000");
    }

    private static boolean isValidDni(String match) {
        int number = Integer.parseInt(match.substring(0, 8));
        return match.charAt(match.length() - 1) == DNI_LETTERS.charAt(number % 23);
    }
}
