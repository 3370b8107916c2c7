package io.exflow.worker.intake;

/** The Luhn (mod 10) checksum used by card numbers and Canadian SINs. */
final class Luhn {

    private Luhn() {
    }

    /** @param digits ASCII digits only */
    static boolean isValid(CharSequence digits) {
        if (digits.isEmpty()) {
            return false;
        }
        int sum = 0;
        boolean doubleIt = false;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return false;
            }
            if (doubleIt) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            doubleIt = !doubleIt;
        }
        return sum % 10 == 0;
    }

    static String digitsOf(CharSequence text) {
        StringBuilder digits = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                digits.append(c);
            }
        }
        return digits.toString();
    }

    /**
     * 13–19 digits, a passing checksum and a leading digit used by card networks (2–6: Mastercard,
     * Amex/Diners/JCB, Visa, Discover/UnionPay/Maestro). The prefix check keeps epoch-millisecond
     * timestamps (which start with 1) from being taken for card numbers.
     */
    static boolean isCardNumber(String digits) {
        return digits.length() >= 13 && digits.length() <= 19
                && digits.charAt(0) >= '2' && digits.charAt(0) <= '6'
                && isValid(digits);
    }
}
