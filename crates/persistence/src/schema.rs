//! Diesel's view of the tables; it mirrors the migrations in `migrations/`, which both backends
//! run.

diesel::table! {
    regions (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        level -> Text,
        parent_code -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    households (id) {
        id -> Text,
        county_code -> Text,
        region_code -> Text,
        household_number -> Text,
        head_name -> Text,
        address -> Text,
        attribute -> Text,
        main_cause -> Text,
        other_cause_1 -> Nullable<Text>,
        other_cause_2 -> Nullable<Text>,
        identified_year -> Integer,
        status -> Text,
        member_count -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        phone_cipher -> Nullable<Text>,
        exit_stage -> Text,
        exit_year -> Nullable<Integer>,
        notice_started_on -> Nullable<Date>,
        monitoring_kind -> Nullable<Text>,
        monitoring_risk -> Nullable<Text>,
        monitoring_since -> Nullable<Date>,
        kind -> Text,
        exit_recorded_as_history -> Bool,
    }
}

diesel::table! {
    members (id) {
        id -> Text,
        household_id -> Text,
        county_code -> Text,
        region_code -> Text,
        name -> Text,
        sex -> Text,
        birth_date -> Date,
        relation -> Text,
        ethnicity -> Text,
        education -> Text,
        schooling -> Text,
        health -> Text,
        disability -> Text,
        labour_ability -> Text,
        employment -> Text,
        basic_medical_insurance -> Bool,
        critical_illness_insurance -> Bool,
        pension_insurance -> Bool,
        left_on -> Nullable<Date>,
        leave_reason -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        id_number_cipher -> Nullable<Text>,
        id_number_hmac -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (idempotency_key, request_method, request_path) {
        idempotency_key -> Text,
        request_method -> Text,
        request_path -> Text,
        request_hash -> Text,
        response_status -> Integer,
        response_body -> Text,
        response_etag -> Nullable<Text>,
        response_location -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        region_code -> Text,
        disabled -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        client_id -> Text,
        secret_hash -> Text,
        name -> Text,
        role -> Text,
        region_code -> Text,
        disabled -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        permissions -> Text,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_entries (id) {
        id -> Text,
        batch_key -> Text,
        ordinal -> BigInt,
        at -> Timestamp,
        actor_id -> Text,
        actor_name -> Text,
        role -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        region_code -> Nullable<Text>,
        request_id -> Nullable<Text>,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_batches (batch_key) {
        batch_key -> Text,
        first_seq -> BigInt,
        last_seq -> BigInt,
        last_hash -> Text,
        prev_mac -> Text,
        mac -> Text,
    }
}

diesel::joinable!(member_facts_versions -> members (member_id));
diesel::joinable!(audit_entries -> audit_batches (batch_key));

diesel::table! {
    audit_chain (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
        mac -> Text,
    }
}

diesel::table! {
    poverty_lines (year) {
        year -> Integer,
        poverty_line_fen -> BigInt,
        monitoring_line_fen -> BigInt,
        source -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    income_records (id) {
        id -> Text,
        household_id -> Text,
        county_code -> Text,
        region_code -> Text,
        year -> Integer,
        version -> BigInt,
        wage_fen -> BigInt,
        production_fen -> BigInt,
        property_fen -> BigInt,
        transfer_fen -> BigInt,
        production_cost_fen -> BigInt,
        recorded_on -> Date,
        recorded_by -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    assessments (id) {
        id -> Text,
        household_id -> Text,
        county_code -> Text,
        region_code -> Text,
        assessed_on -> Date,
        food_ok -> Bool,
        food_note -> Nullable<Text>,
        clothing_ok -> Bool,
        clothing_note -> Nullable<Text>,
        housing_grade -> Text,
        housing_note -> Nullable<Text>,
        water_ok -> Bool,
        water_note -> Nullable<Text>,
        education_override -> Nullable<Text>,
        medical_override -> Nullable<Text>,
        assessed_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    status_events (id) {
        id -> Text,
        household_id -> Text,
        county_code -> Text,
        region_code -> Text,
        event -> Text,
        from_status -> Text,
        to_status -> Text,
        from_stage -> Text,
        to_stage -> Text,
        occurred_on -> Date,
        reason -> Nullable<Text>,
        reference -> Nullable<Text>,
        evidence_json -> Nullable<Text>,
        actor_id -> Text,
        actor_name -> Text,
        role -> Text,
        request_id -> Nullable<Text>,
        created_at -> Timestamp,
        historical -> Bool,
        document_json -> Nullable<Text>,
        unchecked_json -> Nullable<Text>,
    }
}

diesel::table! {
    subsidy_entries (id) {
        id -> Text,
        household_id -> Text,
        county_code -> Text,
        region_code -> Text,
        member_id -> Nullable<Text>,
        category -> Text,
        insurance_layer -> Nullable<Text>,
        source -> Text,
        program -> Nullable<Text>,
        amount_fen -> BigInt,
        paid_on -> Date,
        reference -> Text,
        reverses_id -> Nullable<Text>,
        note -> Nullable<Text>,
        recorded_by -> Text,
        created_at -> Timestamp,
        recorded_by_id -> Nullable<Text>,
    }
}

diesel::table! {
    member_facts_versions (member_id, member_version) {
        member_id -> Text,
        member_version -> BigInt,
        recorded_at -> Timestamp,
        schooling -> Text,
        health -> Text,
        disability -> Text,
        basic_medical_insurance -> Bool,
        critical_illness_insurance -> Bool,
    }
}

diesel::table! {
    national_poverty_lines (year) {
        year -> Integer,
        line_fen -> BigInt,
        exact -> Bool,
        source -> Text,
    }
}

diesel::table! {
    loan_policies (id) {
        id -> Text,
        effective_from -> Date,
        max_principal_fen -> BigInt,
        max_term_months -> Integer,
        min_borrower_age -> Integer,
        max_borrower_age -> Integer,
        interest_subsidy_share_bp -> Integer,
        basis -> Text,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    loans (id) {
        id -> Text,
        household_id -> Text,
        county_code -> Text,
        region_code -> Text,
        member_id -> Text,
        bank -> Text,
        principal_fen -> BigInt,
        term_months -> Integer,
        annual_rate_bp -> BigInt,
        subsidy_share_bp -> BigInt,
        purpose -> Text,
        method -> Text,
        status -> Text,
        applied_on -> Date,
        decided_on -> Nullable<Date>,
        disbursed_on -> Nullable<Date>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    loan_instalments (loan_id, period) {
        loan_id -> Text,
        period -> Integer,
        due_on -> Date,
        principal_fen -> BigInt,
        interest_fen -> BigInt,
    }
}

diesel::table! {
    loan_events (loan_id, seq) {
        loan_id -> Text,
        seq -> Integer,
        status -> Text,
        occurred_on -> Date,
        reason -> Nullable<Text>,
        maturity_on -> Nullable<Date>,
        recorded_by -> Text,
        created_at -> Timestamp,
        recorded_by_id -> Nullable<Text>,
    }
}

diesel::table! {
    loan_repayments (id) {
        id -> Text,
        loan_id -> Text,
        paid_on -> Date,
        amount_fen -> BigInt,
        reference -> Text,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    business_entities (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        credit_code -> Text,
        county_code -> Text,
        region_code -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    entity_links (id) {
        id -> Text,
        entity_id -> Text,
        household_id -> Text,
        region_code -> Text,
        kind -> Text,
        stake -> Nullable<BigInt>,
        land_hundredth_mu -> Nullable<BigInt>,
        rent_per_mu_fen -> Nullable<BigInt>,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    dividend_rounds (id) {
        id -> Text,
        entity_id -> Text,
        period -> Text,
        pool_fen -> BigInt,
        record_date -> Date,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    dividend_entries (id) {
        id -> Text,
        round_id -> Text,
        household_id -> Text,
        region_code -> Text,
        amount_fen -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    land_rent_payments (id) {
        id -> Text,
        link_id -> Text,
        household_id -> Text,
        region_code -> Text,
        year -> Integer,
        amount_fen -> BigInt,
        paid_on -> Date,
        reference -> Text,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    quality_runs (id) {
        id -> Text,
        mode -> Text,
        scope_code -> Nullable<Text>,
        year -> Integer,
        started_at -> Timestamp,
        finished_at -> Timestamp,
        households_checked -> BigInt,
        errors -> BigInt,
        warnings -> BigInt,
        run_by -> Text,
    }
}

diesel::table! {
    quality_findings (id) {
        id -> Text,
        run_id -> Text,
        household_id -> Text,
        region_code -> Text,
        rule -> Text,
        severity -> Text,
        entity_type -> Text,
        entity_id -> Text,
        message_en -> Text,
        message_zh -> Text,
        found_at -> Timestamp,
    }
}

diesel::table! {
    quality_checks (household_id) {
        household_id -> Text,
        region_code -> Text,
        run_id -> Text,
        checked_at -> Timestamp,
    }
}

diesel::table! {
    indicator_thresholds (indicator) {
        indicator -> Text,
        green -> BigInt,
        yellow -> BigInt,
        version -> BigInt,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    household_views (household_id) {
        household_id -> Text,
        version -> BigInt,
        format -> Text,
        body -> Text,
    }
}

diesel::joinable!(members -> households (household_id));
diesel::joinable!(household_views -> households (household_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    audit_entries,
    audit_batches,
    quality_findings,
    quality_checks,
    status_events,
    income_records,
    assessments,
    entity_links,
    loans,
    loan_policies,
    national_poverty_lines,
    member_facts_versions,
    loan_events,
    loan_instalments,
    loan_repayments,
    subsidy_entries,
    land_rent_payments,
    regions,
    households,
    household_views,
    members,
    users,
    refresh_tokens,
    dividend_entries,
    dividend_rounds
);
