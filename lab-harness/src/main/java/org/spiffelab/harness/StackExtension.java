package org.spiffelab.harness;

import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Starts one scenario's stack before a test class and stops it after. A failed start or a failed test dumps
 * diagnostics to {@code target/scenario-reports/<class>/<test>/}. Tests and lifecycle methods receive the running
 * stack as a parameter ({@code LabStack stack}, or {@code LabProperties lab}), so no test shares it through a static field.
 *
 * <pre>{@code @RegisterExtension static final StackExtension STACK = new StackExtension(StackSpec::x509);}</pre>
 */
public final class StackExtension implements BeforeAllCallback, AfterAllCallback, TestWatcher, ParameterResolver {

    private final Function<LabProperties, StackSpec> spec;
    private LabStack stack;

    public StackExtension(Function<LabProperties, StackSpec> spec) {
        this.spec = spec;
    }

    public LabStack stack() {
        if (stack == null) {
            throw new IllegalStateException("the stack is not started");
        }
        return stack;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        LabProperties lab = LabProperties.load();
        stack = new LabStack(lab, LabImages.fromEnvironment(lab), spec.apply(lab), null, line -> System.out.println("==> " + line))
                .withContainerLogs(System.out::println);
        try {
            stack.start();
        } catch (RuntimeException | Error e) {
            Diagnostics.dump(stack, reports(context, "start-up"));
            stack.close();
            stack = null;
            throw e;
        }
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        if (stack != null) {
            Diagnostics.dump(stack, reports(context, context.getRequiredTestMethod().getName()));
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (stack != null) {
            stack.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == LabStack.class || type == LabProperties.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        LabStack running = stack();
        return parameter.getParameter().getType() == LabStack.class ? running : running.lab();
    }

    private static Path reports(ExtensionContext context, String name) {
        Path base = Path.of(System.getProperty("lab.reports", "target/scenario-reports"));
        return base.resolve(context.getRequiredTestClass().getSimpleName()).resolve(name);
    }
}
