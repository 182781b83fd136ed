-- The Movidesk warehouse, named after Kondado's objects (seed 001). Generated from
-- shared/warehouse/src/schema.rs once; a unit test keeps the two in step. Later changes go in new
-- migrations. Tables live in the integration's schema (search_path), default `movidesk`.

CREATE TABLE movidesk_tickets (
    id text NOT NULL,
    protocol text,
    type text,
    subject text,
    category text,
    urgency text,
    status text,
    base_status text,
    justification text,
    origin text,
    created_date timestamp with time zone,
    is_deleted boolean,
    origin_email_account text,
    owner_id text,
    owner_team text,
    created_by_id text,
    service_full text,
    service_first_level_id text,
    service_first_level text,
    service_second_level text,
    service_third_level text,
    contact_form text,
    tags text,
    cc text,
    resolved_in timestamp with time zone,
    closed_in timestamp with time zone,
    canceled_in timestamp with time zone,
    reopened_in timestamp with time zone,
    action_count double precision,
    life_time_working_time double precision,
    stopped_time double precision,
    stopped_time_working_time double precision,
    resolved_in_first_call boolean,
    chat_widget text,
    chat_group text,
    chat_talk_time double precision,
    chat_waiting_time double precision,
    sequence text,
    sla_agreement text,
    sla_agreement_rule text,
    sla_solution_time double precision,
    sla_response_time double precision,
    sla_solution_changed_by_user boolean,
    sla_solution_changed_by_id text,
    sla_solution_date timestamp with time zone,
    sla_solution_date_is_paused boolean,
    sla_response_date timestamp with time zone,
    sla_real_response_date timestamp with time zone,
    jira_issue_key text,
    redmine_issue_id text,
    movidesk_ticket_number text,
    linked_to_integrated_ticket_number text,
    last_action_date timestamp with time zone,
    last_update timestamp with time zone,
    raw jsonb,
    synced_at timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (id)
);

CREATE TABLE movidesk_tickets__actions (
    ticket_id text NOT NULL,
    id text NOT NULL,
    type text,
    origin text,
    status text,
    justification text,
    description text,
    html_description text,
    created_date timestamp with time zone,
    created_by_id text,
    tags text,
    is_deleted boolean,
    raw jsonb,
    PRIMARY KEY (ticket_id, id)
);

CREATE TABLE movidesk_tickets__clients (
    ticket_id text NOT NULL,
    id text NOT NULL,
    person_type text,
    profile_type text,
    business_name text,
    email text,
    phone text,
    is_deleted text,
    organization_id text,
    organization_business_name text,
    address text,
    complement text,
    cep text,
    city text,
    bairro text,
    number text,
    reference text,
    raw jsonb,
    PRIMARY KEY (ticket_id, id)
);

CREATE TABLE movidesk_tickets__owners (
    ticket_id text NOT NULL,
    id text,
    person_type text,
    profile_type text,
    business_name text,
    email text,
    phone text,
    raw jsonb,
    PRIMARY KEY (ticket_id)
);

CREATE TABLE movidesk_tickets__custom_fields (
    ticket_id text NOT NULL,
    last_update timestamp with time zone,
    custom_field_id text NOT NULL,
    custom_field_rule_id text NOT NULL,
    line double precision NOT NULL,
    value text,
    raw jsonb,
    PRIMARY KEY (ticket_id, custom_field_id, custom_field_rule_id, line)
);

CREATE TABLE movidesk_customfieldvalues__items (
    ticket_id text NOT NULL,
    custom_field_id text NOT NULL,
    custom_field_rule_id text NOT NULL,
    line double precision NOT NULL,
    item_line double precision NOT NULL,
    custom_field_item text,
    person_id text,
    client_id text,
    team text,
    storage_file_guid text,
    file_name text,
    raw jsonb,
    PRIMARY KEY (ticket_id, custom_field_id, custom_field_rule_id, line, item_line)
);

CREATE TABLE movidesk_tickets__parents_children (
    child_id text NOT NULL,
    parent_id text NOT NULL,
    parent_subject text,
    parent_is_deleted boolean,
    PRIMARY KEY (child_id, parent_id)
);

CREATE TABLE movidesk_persons (
    id text NOT NULL,
    person_type text,
    profile_type text,
    access_profile text,
    business_name text,
    corporate_name text,
    business_branch text,
    cpf_cnpj text,
    user_name text,
    role text,
    classification text,
    boss_id text,
    boss_name text,
    culture_id text,
    time_zone_id text,
    authenticate_on text,
    code_reference_additional text,
    observations text,
    is_active boolean,
    created_date timestamp with time zone,
    created_by text,
    changed_date timestamp with time zone,
    changed_by text,
    raw jsonb,
    synced_at timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (id)
);

CREATE TABLE movidesk_persons__relationships (
    person_id text NOT NULL,
    line double precision NOT NULL,
    id text,
    name text,
    sla_agreement text,
    allow_all_services boolean,
    include_in_parents text,
    load_child_organizations boolean,
    force_children_to_have_some_agreement boolean,
    raw jsonb,
    PRIMARY KEY (person_id, line)
);

CREATE TABLE movidesk_persons__emails (
    person_id text NOT NULL,
    line double precision NOT NULL,
    email_type text,
    email text,
    is_default boolean,
    raw jsonb,
    PRIMARY KEY (person_id, line)
);

CREATE TABLE movidesk_persons__contacts (
    person_id text NOT NULL,
    line double precision NOT NULL,
    contact_type text,
    contact text,
    is_default boolean,
    raw jsonb,
    PRIMARY KEY (person_id, line)
);

CREATE TABLE movidesk_survey_questions (
    id text NOT NULL,
    type double precision,
    is_active boolean,
    raw jsonb,
    synced_at timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (id)
);

CREATE TABLE movidesk_survey_questions__languages (
    question_id text NOT NULL,
    language text NOT NULL,
    description text,
    raw jsonb,
    PRIMARY KEY (question_id, language)
);

CREATE TABLE movidesk_survey_responses (
    id text NOT NULL,
    question_id text,
    type double precision,
    client_id text,
    ticket_id double precision,
    response_date timestamp with time zone,
    value double precision,
    commentary text,
    raw jsonb,
    synced_at timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (id)
);

-- Fields Ponte stored as null (or cleaned) because their value was unusable, per object.
CREATE TABLE ponte_field_issues (
    object text NOT NULL,
    object_id text NOT NULL,
    field text NOT NULL,
    problem text NOT NULL,
    seen_at timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (object, object_id, field)
);

-- Backfill and refresh cursors (resumable passes).
CREATE TABLE ponte_sync_state (
    name text PRIMARY KEY,
    value text NOT NULL,
    updated_at timestamp with time zone NOT NULL DEFAULT now()
);

CREATE INDEX movidesk_tickets_last_update ON movidesk_tickets (last_update);
CREATE INDEX movidesk_tickets_synced_at ON movidesk_tickets (synced_at);
CREATE INDEX movidesk_tickets__parents_children_parent ON movidesk_tickets__parents_children (parent_id);
